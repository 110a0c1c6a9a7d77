import { describe, expect, it } from 'vitest';
import { MultipartParser, multipartBody, multipartBoundary } from '../../../main/pacs/dicomweb/multipart';
import { PacsError } from '../../../main/pacs/pacs-error';

interface Part {
  headers: Record<string, string>;
  body: string;
}

/** Feeds `body` in chunks of `size` bytes (or at the given cut points) and collects the parts. */
async function parse(body: string | Buffer, boundary: string, cuts: number | number[] = Infinity): Promise<{ parts: Part[]; done: boolean }> {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
  const parts: Part[] = [];
  let current: Buffer[] = [];
  const parser = new MultipartParser(boundary, {
    partStart: (headers) => {
      parts.push({ headers: Object.fromEntries(headers), body: '' });
      current = [];
    },
    partData: (chunk) => {
      current.push(Buffer.from(chunk));
    },
    partEnd: () => {
      parts[parts.length - 1].body = Buffer.concat(current).toString('latin1');
    },
  });
  const points = Array.isArray(cuts) ? [...cuts, bytes.length] : Array.from({ length: Math.ceil(bytes.length / Math.min(cuts, bytes.length || 1)) }, (_, k) => Math.min(bytes.length, (k + 1) * Math.min(cuts, bytes.length || 1)));
  let from = 0;
  for (const to of points) {
    await parser.write(bytes.subarray(from, to));
    from = to;
  }
  await parser.end();
  return { parts, done: parser.done };
}

async function protocolError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PacsError);
  expect((error as PacsError).kind).toBe('protocol');
  return (error as PacsError).message;
}

const ONE = '--XYZ\r\nContent-Type: application/dicom\r\nContent-Length: 5\r\n\r\nhello\r\n--XYZ--\r\n';

describe('multipartBoundary', () => {
  it('reads the boundary, quoted or not, in any parameter position and case', () => {
    expect(multipartBoundary('multipart/related; type="application/dicom"; boundary=abc-123')).toBe('abc-123');
    expect(multipartBoundary('Multipart/Related; Boundary="a b:c"; type=application/dicom')).toBe('a b:c');
    expect(multipartBoundary('multipart/related;boundary="q=1"')).toBe('q=1');
  });

  it('is null for other types, a missing or oversized boundary', () => {
    expect(multipartBoundary('text/html; boundary=abc')).toBeNull();
    expect(multipartBoundary('multipart/related; type="application/dicom"')).toBeNull();
    expect(multipartBoundary(null)).toBeNull();
    expect(multipartBoundary(`multipart/related; boundary=${'b'.repeat(71)}`)).toBeNull();
    expect(multipartBoundary('multipart/related; boundary=""')).toBeNull();
  });
});

describe('MultipartParser', () => {
  it('reads one part: lower-case header names, the body without the CRLF that belongs to the delimiter', async () => {
    const { parts, done } = await parse(ONE, 'XYZ');
    expect(done).toBe(true);
    expect(parts).toEqual([{ headers: { 'content-type': 'application/dicom', 'content-length': '5' }, body: 'hello' }]);
  });

  it('gives the same parts whatever the chunking, one byte at a time included', async () => {
    const body = `--XYZ\r\nContent-Type: a\r\n\r\nfirst\r\n--XY\r\n--XYZ\r\nContent-Type: b\r\n\r\n\r\n\r\nsecond\r\n\r\n--XYZ--`;
    const expected = [
      { headers: { 'content-type': 'a' }, body: 'first\r\n--XY' },
      { headers: { 'content-type': 'b' }, body: '\r\n\r\nsecond\r\n' },
    ];
    for (let size = 1; size <= body.length; size++) expect((await parse(body, 'XYZ', size)).parts).toEqual(expected);
    // every single cut point, the delimiter split at each of its bytes among them
    for (let cut = 0; cut <= body.length; cut++) expect((await parse(body, 'XYZ', [cut])).parts).toEqual(expected);
  });

  it('keeps a boundary-like string inside the data when it does not end a delimiter line', async () => {
    const data = 'a\r\n--XYZW and \r\n--XYZ- and --XYZ\r\n and \r\n--XYZ  x';
    for (const size of [1, 3, 7, 1000]) {
      const { parts } = await parse(`--XYZ\r\n\r\n${data}\r\n--XYZ--\r\n`, 'XYZ', size);
      expect(parts).toEqual([{ headers: {}, body: data }]);
    }
  });

  it('accepts transport padding after a delimiter', async () => {
    const { parts } = await parse('--XYZ \t \r\nContent-Type: a\r\n\r\nbody\r\n--XYZ  \r\n\r\nnext\r\n--XYZ--', 'XYZ', 2);
    expect(parts.map((p) => p.body)).toEqual(['body', 'next']);
  });

  it('skips a preamble and ignores the epilogue', async () => {
    const { parts, done } = await parse(`This is a preamble.\r\n${ONE}epilogue --XYZ\r\n\r\nnot a part`, 'XYZ', 4);
    expect(done).toBe(true);
    expect(parts.map((p) => p.body)).toEqual(['hello']);
  });

  it('streams a large body in bounded pieces without holding it whole', async () => {
    const size = 4 * 1024 * 1024;
    const payload = Buffer.alloc(size, 0x41);
    const body = Buffer.concat([Buffer.from('--B\r\n\r\n'), payload, Buffer.from('\r\n--B--')]);
    let largest = 0;
    let total = 0;
    const parser = new MultipartParser('B', {
      partStart: () => {},
      partData: (chunk) => {
        largest = Math.max(largest, chunk.length);
        total += chunk.length;
      },
      partEnd: () => {},
    });
    for (let at = 0; at < body.length; at += 65536) await parser.write(body.subarray(at, at + 65536));
    await parser.end();
    expect(total).toBe(size);
    expect(largest).toBeLessThanOrEqual(65536 + 8);
  });

  it('refuses a body without its closing delimiter', async () => {
    expect(await protocolError(parse('--XYZ\r\n\r\nhello\r\n--XYZ\r\n\r\nmore', 'XYZ'))).toMatch(/closing boundary/);
    expect(await protocolError(parse('--XYZ\r\n\r\nhello', 'XYZ'))).toMatch(/closing boundary/);
    await protocolError(parse('', 'XYZ'));
  });

  it('does not take bare LF line ends for delimiters', async () => {
    await protocolError(parse('--XYZ\nContent-Type: a\n\nhello\n--XYZ--\n', 'XYZ'));
  });

  it('refuses something that is not multipart at all, and headers without end', async () => {
    expect(await protocolError(parse(Buffer.alloc(100_000, 0x3c), 'XYZ', 4096))).toMatch(/no boundary/);
    expect(await protocolError(parse(`--XYZ\r\n${'X-A: b\r\n'.repeat(5000)}`, 'XYZ', 1024))).toMatch(/headers too long/);
    expect(await protocolError(parse('--XYZ\r\nno colon here\r\n\r\nx\r\n--XYZ--', 'XYZ'))).toMatch(/header line/);
  });
});

describe('multipartBody', () => {
  it('writes what the parser reads back', async () => {
    const parts = [
      { contentType: 'application/dicom', body: Buffer.from('\r\n--not-it\r\n') },
      { contentType: 'application/dicom', body: new Uint8Array([0, 1, 2, 13, 10]) },
    ];
    const body = Buffer.concat(multipartBody(parts, 'it'));
    expect(body.toString('latin1')).toBe(
      '--it\r\nContent-Type: application/dicom\r\n\r\n\r\n--not-it\r\n\r\n--it\r\nContent-Type: application/dicom\r\n\r\n\x00\x01\x02\r\n\r\n--it--\r\n',
    );
    const { parts: read } = await parse(body, 'it', 3);
    expect(read.map((p) => p.body)).toEqual(['\r\n--not-it\r\n', '\x00\x01\x02\r\n']);
    expect(read.map((p) => p.headers['content-type'])).toEqual(['application/dicom', 'application/dicom']);
  });

  it('refuses a boundary that occurs in a part', () => {
    expect(() => multipartBody([{ contentType: 'a', body: Buffer.from('x--sep') }], 'sep')).toThrow(/boundary occurs/);
  });
});

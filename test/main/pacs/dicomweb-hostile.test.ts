// The DICOMweb client against a local server that answers what a broken or hostile peer might: every answer must
// end in a specific PacsError, in bounded memory and time, with no file left behind.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDicomwebClient, type DicomwebLimits } from '../../../main/pacs/dicomweb/client';
import { MultipartParser, multipartBoundary } from '../../../main/pacs/dicomweb/multipart';
import { PacsError, type PacsErrorKind } from '../../../main/pacs/pacs-error';
import type { DicomwebAuth } from '../../../main/pacs/peers';
import { syntheticDicom } from '../../fixtures/synthetic-dicom';

type Handler = (request: IncomingMessage, response: ServerResponse, body: Buffer) => void;

let server: Server;
let base: string;
let handler: Handler;
let work: string;
const ref = { studyInstanceUid: '1.2.3', seriesInstanceUid: '1.2.3.4', sopInstanceUid: '1.2.3.4.5' };
const PASSWORD = 'p4ss-w0rd';

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handler(request, response, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/dicom-web`;
  work = await mkdtemp(path.join(tmpdir(), 'pleura-hostile-'));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(work, { recursive: true, force: true });
});

beforeEach(async () => {
  await rm(work, { recursive: true, force: true });
  await mkdir(work);
});

function client(limits: DicomwebLimits = {}, auth: DicomwebAuth = { kind: 'basic', user: 'u', password: PASSWORD }, timeoutMs = 5000) {
  return createDicomwebClient({ url: base, auth, timeoutMs }, limits);
}

async function failsWith(promise: Promise<unknown>, kind: PacsErrorKind): Promise<PacsError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PacsError);
  expect((error as PacsError).kind).toBe(kind);
  expect((error as PacsError).message).not.toContain(PASSWORD);
  return error as PacsError;
}

function multipart(response: ServerResponse, boundary = 'B0UND'): void {
  response.writeHead(200, { 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}` });
}

function json(response: ServerResponse, value: unknown, status = 200): void {
  response.writeHead(status, { 'content-type': 'application/dicom+json' });
  response.end(typeof value === 'string' ? value : JSON.stringify(value));
}

const file = () => path.join(work, 'instance.dcm');
const leftovers = () => readdir(work);

describe('retrieving from a hostile peer', () => {
  it('refuses an instance past the cap while it streams, and leaves no file', async () => {
    const asked: (string | undefined)[] = [];
    handler = (request, response) => {
      asked.push(request.headers.accept, request.headers['accept-encoding']);
      multipart(response);
      response.write('--B0UND\r\nContent-Type: application/dicom\r\n\r\n');
      for (let k = 0; k < 50; k++) response.write(Buffer.alloc(100, 7));
      response.end('\r\n--B0UND--\r\n');
    };
    const error = await failsWith(client({ maxInstanceBytes: 1000 }).retrieveInstance(ref, file()), 'too-large');
    expect(error.message).toBe('the instance is larger than 1000 bytes');
    expect(await leftovers()).toEqual([]);
    // the same instance within the cap arrives whole
    expect(await client({ maxInstanceBytes: 5000 }).retrieveInstance(ref, file())).toEqual({ bytes: 5000 });
    expect(await leftovers()).toEqual(['instance.dcm']);
    // the stored transfer syntax, and no gzip (so the cap counts what came over the wire)
    expect(asked.slice(0, 2)).toEqual(['multipart/related; type="application/dicom"; transfer-syntax=*', 'identity']);
  });

  it('refuses a part that declares itself past the cap before reading it', async () => {
    handler = (_request, response) => {
      multipart(response);
      response.write('--B0UND\r\nContent-Type: application/dicom\r\nContent-Length: 999999999999\r\n\r\n');
      // and then nothing: the refusal must not wait for the body
    };
    await failsWith(client({ maxInstanceBytes: 1000 }).retrieveInstance(ref, file()), 'too-large');
    expect(await leftovers()).toEqual([]);
  });

  it('refuses a multipart body without its closing delimiter, two instances, no instance, HTML', async () => {
    const bodies: [string, RegExp][] = [
      ['--B0UND\r\n\r\nDICM-ish bytes', /closing boundary/],
      ['--B0UND\r\n\r\none\r\n--B0UND\r\n\r\ntwo\r\n--B0UND--', /more than one instance/],
      ['--B0UND--\r\n', /no instance/],
      ['--B0UND\r\nContent-Type: text/html\r\n\r\n<html>\r\n--B0UND--', /text\/html, not application\/dicom/],
    ];
    for (const [body, message] of bodies) {
      handler = (_request, response) => {
        multipart(response);
        response.end(body);
      };
      expect((await failsWith(client().retrieveInstance(ref, file()), 'protocol')).message).toMatch(message);
      expect(await leftovers()).toEqual([]);
    }
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html><body>Login</body></html>');
    };
    expect((await failsWith(client().retrieveInstance(ref, file()), 'protocol')).message).toMatch(/expected a multipart\/related answer, got text\/html/);
    expect(await leftovers()).toEqual([]);
  });

  it('leaves no file when the caller cancels mid-way', async () => {
    let halfSent!: () => void;
    const sent = new Promise<void>((resolve) => (halfSent = resolve));
    handler = (_request, response) => {
      multipart(response);
      response.write(Buffer.concat([Buffer.from('--B0UND\r\n\r\n'), Buffer.alloc(64 * 1024, 1)]), () => halfSent());
      // the second half never comes
    };
    const controller = new AbortController();
    const retrieval = client().retrieveInstance(ref, file(), controller.signal);
    await sent;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await leftovers()).some((name) => name.startsWith('instance.dcm.part-'))).toBe(true);
    controller.abort();
    await failsWith(retrieval, 'cancelled');
    expect(await leftovers()).toEqual([]);
  });

  it('says the connection broke off when the peer goes away mid-answer, and leaves no file', async () => {
    handler = (_request, response) => {
      multipart(response);
      response.write('--B0UND\r\n\r\nsome bytes', () => response.destroy());
    };
    const error = await failsWith(client().retrieveInstance(ref, file()), 'connection');
    expect(error.message).toMatch(new RegExp(`^the connection to ${new URL(base).host} broke off`));
    expect(await leftovers()).toEqual([]);
  });

  it('gives up on a peer that goes silent, as a connection failure', async () => {
    handler = (_request, response) => {
      multipart(response);
      response.write('--B0UND\r\n\r\nsome');
    };
    const error = await failsWith(client({}, undefined, 300).retrieveInstance(ref, file()), 'connection');
    expect(error.message).toBe(`${new URL(base).host} did not answer within 0.3 s`);
    expect(await leftovers()).toEqual([]);
  });
});

describe('searching a hostile peer', () => {
  it('refuses garbage JSON, HTML with 200, JSON that is not an array', async () => {
    const answers: [string, string, RegExp][] = [
      ['application/dicom+json', '[{"0020000D": ', /malformed/],
      ['text/html', '<html>Welcome</html>', /expected JSON, got text\/html/],
      ['application/json', '{"0020000D": {}}', /not a JSON array/],
    ];
    for (const [type, body, message] of answers) {
      handler = (_request, response) => {
        response.writeHead(200, { 'content-type': type });
        response.end(body);
      };
      expect((await failsWith(client().searchStudies({}), 'protocol')).message).toMatch(message);
    }
  });

  it('refuses an answer past the JSON cap, counted after decompression', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/dicom+json', 'content-encoding': 'gzip' });
      response.end(gzipSync(Buffer.from(`[${'{},'.repeat(1_000_000)}{}]`)));
    };
    await failsWith(client({ maxJsonBytes: 100_000 }).searchStudies({}), 'too-large');
  });

  it('skips matches without a valid UID and reads nothing else it cannot trust', async () => {
    handler = (_request, response) =>
      json(response, [
        1,
        null,
        [],
        { '0020000D': { vr: 'UI', Value: [5] } },
        { '0020000D': { vr: 'UI', Value: ['../../etc/passwd'] } },
        { '0020000D': { vr: 'UI', Value: ['1.2.840.1'] }, '00100010': { vr: 'PN', Value: ['not an object'] }, '00201208': { vr: 'IS', Value: ['12'] }, '00080061': { vr: 'CS', Value: ['CR', 7] } },
      ]);
    expect(await client().searchStudies({})).toEqual([
      { studyInstanceUid: '1.2.840.1', patientId: null, patientName: null, studyDate: null, studyTime: null, accessionNumber: null, studyDescription: null, modalities: ['CR'], instanceCount: 12 },
    ]);
  });

  it('stops paging through a peer that ignores offset', async () => {
    let requests = 0;
    handler = (_request, response) => {
      requests++;
      json(response, [{ '0020000D': { vr: 'UI', Value: ['1.2.1'] } }, { '0020000D': { vr: 'UI', Value: ['1.2.2'] } }]);
    };
    expect((await client({ pageSize: 2 }).searchStudiesSince('20240101')).map((s) => s.studyInstanceUid)).toEqual(['1.2.1', '1.2.2']);
    expect(requests).toBe(2);
  });

  it('sends values without percent-encoding and the credentials only in the Authorization header', async () => {
    const seen: IncomingMessage[] = [];
    handler = (request, response) => {
      seen.push(request);
      json(response, []);
    };
    await client().searchStudies({ patient: 'Müller Jörg^A', from: '20240101', to: '20240131' });
    await client({}, { kind: 'bearer', token: 'tok-123' }).searchInstances('1.2.3', { modality: 'CR' });
    expect(seen[0].url).toBe('/dicom-web/studies?PatientName=M*ller?J*rg^A*&StudyDate=20240101-20240131&includefield=00081030&includefield=00080061&includefield=00201208&limit=500&offset=0');
    expect(seen[0].headers.authorization).toBe(`Basic ${Buffer.from(`u:${PASSWORD}`).toString('base64')}`);
    expect(seen[1].url).toBe('/dicom-web/studies/1.2.3/instances?Modality=CR&includefield=00080016&includefield=00080060&includefield=00080070');
    expect(seen[1].headers.authorization).toBe('Bearer tok-123');
  });
});

describe('HTTP failures', () => {
  it('maps statuses to kinds and never shows the password', async () => {
    const cases: [number, PacsErrorKind][] = [
      [401, 'authentication'],
      [403, 'authentication'],
      [404, 'not-found'],
      [409, 'conflict'],
      [412, 'conflict'],
      [503, 'connection'],
      [500, 'protocol'],
      [302, 'protocol'],
    ];
    for (const [status, kind] of cases) {
      handler = (_request, response) => {
        response.writeHead(status, status === 302 ? { location: '/login' } : {});
        response.end(`status ${PASSWORD}`);
      };
      const error = await failsWith(client().verify(), kind);
      expect(error.status).toBe(status);
    }
  });

  it('says which host could not be reached, and refuses addresses that carry credentials', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const address = closed.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failsWith(createDicomwebClient({ url: `http://127.0.0.1:${port}/dicom-web`, auth: { kind: 'none' } }).verify(), 'connection');
    expect(error.message).toBe(`could not reach 127.0.0.1:${port} (ECONNREFUSED)`);
    expect(() => createDicomwebClient({ url: `http://u:${PASSWORD}@127.0.0.1/dicom-web`, auth: { kind: 'none' } })).toThrow(/must not contain a user name or password/);
    expect(() => createDicomwebClient({ url: `ftp://u:${PASSWORD}@host/`, auth: { kind: 'none' } })).toThrow(/not an http/);
  });
});

describe('storing to a hostile peer', () => {
  const objects = [1, 2].map((k) => syntheticDicom({ patientId: 'P', studyUid: '1.2.3', seriesUid: '1.2.3.9', sopUid: `1.2.3.9.${k}` }));

  it('sends one multipart/related request and counts what the answer does not acknowledge as failed', async () => {
    const received: { type: string | undefined; parts: number[] } = { type: undefined, parts: [] };
    handler = (request, response, body) => {
      received.type = request.headers['content-type'];
      const parser = new MultipartParser(multipartBoundary(request.headers['content-type'] ?? '')!, {
        partStart: () => void received.parts.push(0),
        partData: (chunk) => void (received.parts[received.parts.length - 1] += chunk.length),
        partEnd: () => {},
      });
      void parser.write(body).then(() => json(response, { '00081199': { vr: 'SQ', Value: [{ '00081155': { vr: 'UI', Value: ['1.2.3.9.1'] } }] } }));
    };
    expect(await client().store(objects, '1.2.3')).toEqual({ stored: ['1.2.3.9.1'], failed: [{ sopInstanceUid: '1.2.3.9.2', reason: 'the PACS did not acknowledge it' }] });
    expect(received.type).toMatch(/^multipart\/related; type="application\/dicom"; boundary=pleura-[0-9a-f]{32}$/);
    expect(received.parts).toEqual(objects.map((o) => o.length));
  });

  it('reads the failure reasons of a 409 answer, and refuses an answer that is not a store response', async () => {
    handler = (_request, response) =>
      json(response, { '00081198': { vr: 'SQ', Value: [{ '00081155': { vr: 'UI', Value: ['1.2.3.9.2'] }, '00081197': { vr: 'US', Value: [0xa700] } }] }, '00081199': { vr: 'SQ', Value: [{ '00081155': { vr: 'UI', Value: ['1.2.3.9.1'] } }] } }, 409);
    expect(await client().store(objects)).toEqual({ stored: ['1.2.3.9.1'], failed: [{ sopInstanceUid: '1.2.3.9.2', reason: 'out of resources (A700H)' }] });
    handler = (_request, response) => json(response, '<html>busy</html>', 409);
    await failsWith(client().store(objects), 'conflict');
    handler = (_request, response) => json(response, { hello: 'world' });
    expect((await failsWith(client().store(objects), 'protocol')).message).toMatch(/not a store response/);
    handler = (_request, response) => json(response, {}, 401);
    await failsWith(client().store(objects), 'authentication');
  });
});

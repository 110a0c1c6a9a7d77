// Hostile sizes at a small scale: every read limit of the decode path, each with a hand-made file and the limits
// scaled down where the real ones would need large files, and frame 0 read without the frames after it.
import { mkdtempSync, rmSync } from 'node:fs';
import { stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeJpegBaseline } from '../../../../main/phantoms/jpeg';
import { decodeBytes, decodeFile, DicomFileError, readInstanceInfo } from '../../../../main/studies/dicom';
import { memorySource, type ByteSource } from '../../../../main/studies/dicom/byte-source';
import { decodeSource } from '../../../../main/studies/dicom/decode';
import { compressedFrameLimit, frameSize, inflatedLimit, READ_LIMITS, type ReadLimits } from '../../../../main/studies/dicom/limits';
import type { DicomElement, Encapsulated } from '../../../fixtures/dicom-writer';
import { writeDeflateBomb, writeHugeFragment, writeSparseZeros } from '../../../fixtures/hostile-dicom';
import { syntheticDicom, type SyntheticDicom } from '../../../fixtures/synthetic-dicom';

const dir = mkdtempSync(path.join(tmpdir(), 'pleura-read-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KiB = 1024;
const MiB = 2 ** 20;
const base: SyntheticDicom = { patientId: 'L', studyUid: '1.2.3', seriesUid: '1.2.3.1', sopUid: '1.2.3.1.1', rows: 8, columns: 8 };
const limited = (scaled: Partial<ReadLimits>): ReadLimits => ({ ...READ_LIMITS, ...scaled });

async function failure(promise: Promise<unknown>): Promise<DicomFileError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DicomFileError);
  return error as DicomFileError;
}

async function write(name: string, bytes: Uint8Array): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return file;
}

describe('the limits', () => {
  const shape = (rows: number, columns: number, samplesPerPixel: number, bitsAllocated: number) => ({ rows, columns, samplesPerPixel, bitsAllocated });

  it('sizes a frame from its description, whole bytes for 1-bit data', () => {
    expect(frameSize(shape(1024, 1024, 1, 8))).toBe(1_048_576);
    expect(frameSize(shape(2, 2, 3, 16))).toBe(24);
    expect(frameSize(shape(3, 5, 1, 1))).toBe(2);
  });

  it('allows a compressed frame 4 times its raw size plus 1 MiB, within the absolute cap', () => {
    expect(compressedFrameLimit(shape(1024, 1024, 1, 8), READ_LIMITS)).toEqual({
      bytes: 5_242_880,
      why: "4 x the 1048576 bytes of Rows 1024 x Columns 1024 x 1 sample(s) x 8 bits, plus 1048576 for the codec's headers",
    });
    const capped = compressedFrameLimit(shape(1024, 1024, 1, 8), limited({ frameBytes: 1000 }));
    expect(capped.bytes).toBe(1000);
    expect(capped.why).toMatch(/^Pleura's cap on a frame \(the header allows 4 x the 1048576 bytes/);
  });

  it('allows an inflated data set its header, every declared frame and 1 MiB, within the absolute cap', () => {
    const twoFrames = { ...shape(8, 8, 1, 16), numberOfFrames: 2 };
    expect(inflatedLimit(twoFrames, 300, READ_LIMITS)).toEqual({
      bytes: 300 + 256 + 1_048_576,
      why: 'its header declares 300 bytes before Pixel Data, 256 bytes of pixels (2 frame(s) of Rows 8 x Columns 8 x 1 sample(s) x 16 bits) and 1048576 bytes of slack',
    });
    expect(inflatedLimit(twoFrames, 300, limited({ inflatedBytes: 2000 })).bytes).toBe(2000);
  });
});

describe('zero-filled files', () => {
  it('calls a 4 GiB sparse file of zeros not-dicom after reading its start', async () => {
    const file = path.join(dir, 'big.dcm');
    await writeSparseZeros(file, 4 * 2 ** 30);
    const started = performance.now();
    for (const read of [readInstanceInfo, decodeFile]) {
      const error = await failure(read(file));
      expect([error.code, error.message]).toEqual(['not-dicom', 'not a DICOM file: no "DICM" marker at byte 128 and no DICOM data set at the start']);
    }
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('calls a short file of zeros not-dicom', async () => {
    expect((await failure(readInstanceInfo(await write('zeros.dcm', new Uint8Array(100 * KiB))))).code).toBe('not-dicom');
  });
});

describe('headers', () => {
  const blob = (bytes: number): DicomElement => ({ tag: 0x00091010, vr: 'OB', value: new Uint8Array(bytes) });

  it('refuses a header that does not end within the cap, naming it', async () => {
    const file = await write('long-header.dcm', syntheticDicom({ ...base, extra: [blob(300 * KiB)] }));
    const limits = limited({ headerBytes: 64 * KiB });
    for (const read of [(f: string) => readInstanceInfo(f, limits), (f: string) => decodeFile(f, limits)]) {
      const error = await failure(read(file));
      expect(error.code).toBe('too-large');
      expect(error.message).toMatch(/^the header does not end within the first 65536 bytes of the \d+-byte file \(Pleura's cap on a header\)$/);
    }
    expect((await readInstanceInfo(file)).rows).toBe(8);
  });

  it('refuses a deflated header that inflates past the cap', async () => {
    const file = await write('long-deflated-header.dcm', syntheticDicom({ ...base, extra: [blob(4 * MiB)] }, { encoding: 'deflated' }));
    const error = await failure(readInstanceInfo(file, limited({ headerBytes: 64 * KiB })));
    expect([error.code, error.message]).toEqual([
      'too-large',
      "the deflated data set inflates further, past the 65536-byte limit: Pleura's cap on a header, and the header has not ended",
    ]);
    expect((await readInstanceInfo(file)).rows).toBe(8);
  });
});

describe('deflated data sets', () => {
  it('refuses a bomb as it inflates past what its header declares, naming both', async () => {
    const file = path.join(dir, 'bomb.dcm');
    await writeDeflateBomb(file, 8 * MiB);
    expect((await readInstanceInfo(file)).rows).toBe(8);
    const error = await failure(decodeFile(file));
    expect(error.code).toBe('too-large');
    const [, limit, header] = /^the deflated data set inflates further, past the (\d+)-byte limit: its header declares (\d+) bytes before Pixel Data, 128 bytes of pixels \(1 frame\(s\) of Rows 8 x Columns 8 x 1 sample\(s\) x 16 bits\) and 1048576 bytes of slack$/.exec(error.message) ?? [];
    expect(Number(limit)).toBe(Number(header) + 128 + MiB);
  });

  it('refuses a data set past the absolute cap, naming what the header declares', async () => {
    const bytes = syntheticDicom({ ...base, rows: 48, columns: 40 }, { encoding: 'deflated' });
    const error = await failure(decodeBytes(bytes, 'deflated.dcm', limited({ inflatedBytes: 2000 })));
    expect(error.code).toBe('too-large');
    expect(error.message).toMatch(/past the 2000-byte limit: Pleura's cap on an inflated data set \(its header declares \d+ bytes before Pixel Data, 3840 bytes of pixels/);
    expect((await decodeBytes(bytes, 'deflated.dcm')).rows).toBe(48);
  });
});

describe('encapsulated frames', () => {
  it('refuses a fragment past 4 times the declared frame plus 1 MiB without reading it', async () => {
    const file = path.join(dir, 'huge-fragment.dcm');
    await writeHugeFragment(file, 6 * MiB);
    expect((await readInstanceInfo(file)).rows).toBe(1024);
    const error = await failure(decodeFile(file));
    expect([error.code, error.message]).toEqual([
      'too-large',
      "frame 0's compressed data reaches 6291456 bytes, past the 5242880-byte limit: 4 x the 1048576 bytes of Rows 1024 x Columns 1024 x 1 sample(s) x 8 bits, plus 1048576 for the codec's headers",
    ]);
  });

  it('refuses a fragment past the absolute cap', async () => {
    const file = path.join(dir, 'capped-fragment.dcm');
    await writeHugeFragment(file, 2 * MiB);
    const error = await failure(decodeFile(file, limited({ frameBytes: MiB })));
    expect([error.code, error.message]).toEqual(['too-large', expect.stringMatching(/^frame 0's compressed data reaches 2097152 bytes, past the 1048576-byte limit: Pleura's cap on a frame/)]);
  });

  it('calls Pixel Data without its sequence delimiter truncated', async () => {
    const file = path.join(dir, 'no-delimiter.dcm');
    await writeHugeFragment(file, 64 * KiB);
    const { size } = await stat(file);
    await truncate(file, size - 8);
    const error = await failure(decodeFile(file));
    expect([error.code, error.message]).toEqual(['truncated', `file ends at byte ${size - 8} inside Pixel Data (truncated)`]);
  });

  it('refuses more items than the cap', async () => {
    const pixelData = { tag: 0x7fe00010, vr: 'OB', value: { fragments: Array.from({ length: 20 }, () => Uint8Array.of(1, 2)) } };
    const bytes = syntheticDicom({ ...base, extra: [pixelData] }, { encoding: 'explicit-le', transferSyntaxUid: '1.2.840.10008.1.2.4.50' });
    const error = await failure(decodeBytes(bytes, 'items.dcm', limited({ pixelItems: 16 })));
    expect([error.code, error.message]).toEqual(['too-large', "Pixel Data holds more than 16 items (Pleura's cap)"]);
  });
});

describe('frame 0 of a multi-frame file', () => {
  const eightBits: DicomElement[] = [
    { tag: 0x00280100, vr: 'US', value: [8] },
    { tag: 0x00280101, vr: 'US', value: [8] },
    { tag: 0x00280102, vr: 'US', value: [7] },
  ];
  const frames = (n: number): DicomElement => ({ tag: 0x00280008, vr: 'IS', value: String(n) });
  let jpegs: Uint8Array[];
  let expected: Float32Array;
  beforeAll(async () => {
    // (libjpeg-turbo's WASM encoder overruns its output on small images with much detail: these are smooth.)
    const plane = (value: number) => Uint8Array.from({ length: 32 * 32 }, (_, i) => (value + (i % 32) + Math.floor(i / 32)) % 256);
    jpegs = [await encodeJpegBaseline(plane(10), 32, 32), await encodeJpegBaseline(plane(150), 32, 32)];
    expected = (await decodeBytes(encapsulated({ fragments: [jpegs[0]] }, 1), 'one.dcm')).pixels;
  });
  const encapsulated = (value: Encapsulated, count: number) =>
    syntheticDicom({ ...base, rows: 32, columns: 32, extra: [...eightBits, frames(count), { tag: 0x7fe00010, vr: 'OB', value }] }, { encoding: 'explicit-le', transferSyntaxUid: '1.2.840.10008.1.2.4.50' });
  /** Each JPEG in two fragments, split at an even byte so the writer adds no padding inside a frame. */
  const halves = () => jpegs.flatMap((j) => [j.subarray(0, 20), j.subarray(20)]);

  it('takes the first fragment when there is one per frame', async () => {
    const image = await decodeBytes(encapsulated({ fragments: jpegs }, 2), 'per-frame.dcm');
    expect(image.pixels).toEqual(expected);
    expect(image.pixels).not.toEqual((await decodeBytes(encapsulated({ fragments: [jpegs[1]] }, 1), 'two.dcm')).pixels);
  });

  it("follows the Basic Offset Table across a frame's fragments", async () => {
    const [a, b] = halves();
    const second = 8 + a.length + 8 + b.length + (b.length % 2);
    expect((await decodeBytes(encapsulated({ fragments: halves(), offsets: [0, second] }, 2), 'table.dcm')).pixels).toEqual(expected);
  });

  it('ends frame 0 at the first JPEG end marker when there is no table', async () => {
    expect((await decodeBytes(encapsulated({ fragments: halves() }, 2), 'markers.dcm')).pixels).toEqual(expected);
  });

  it('reads only the header and frame 0 of native pixels', async () => {
    const count = 50;
    const pixels = Uint16Array.from({ length: 64 * 64 * count }, (_, i) => i % 4096);
    const bytes = syntheticDicom({ ...base, rows: 64, columns: 64, pixels, extra: [frames(count)] });
    const memory = memorySource(bytes);
    let read = 0;
    const counting: ByteSource = { size: memory.size, read: (position, length) => memory.read(position, length).then((b) => ((read += b.length), b)) };
    const image = await decodeSource(counting, 'native.dcm', READ_LIMITS);
    expect(Array.from(image.pixels.subarray(0, 3))).toEqual([0, 1, 2]);
    // The header's first read (16 KiB) and frame 0, of a file of 400 KiB.
    expect(bytes.length).toBeGreaterThan(400 * KiB);
    expect(read).toBe(16 * KiB + 64 * 64 * 2);
  });

  it('refuses a native frame past the cap before reading it', async () => {
    const error = await failure(decodeBytes(syntheticDicom({ ...base, rows: 64, columns: 64 }), 'native.dcm', limited({ frameBytes: 4096 })));
    expect([error.code, error.message]).toEqual(['too-large', "frame 0 needs 8192 bytes (Rows 64 x Columns 64 x 1 sample(s) x 16 bits), past the 4096-byte limit: Pleura's cap on a frame"]);
  });
});

// The decode path on files written by the test writer: every native layout, the pixel semantics (masking, sign,
// modality transform, photometric, window, spacing), and one broken file per error code. Needs no shared data.
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecodedImage } from '../../../../main/api/contract';
import { decodeBytes, decodeFile, DicomFileError, parseInstanceInfo, readInstanceInfo } from '../../../../main/studies/dicom';
import { writeBroken, writeVariants, VARIANT_SOURCE, type Layout } from '../../../fixtures/dicom-variants';
import { syntheticDicom, type SyntheticDicom } from '../../../fixtures/synthetic-dicom';

const dir = mkdtempSync(path.join(tmpdir(), 'pleura-dicom-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base: SyntheticDicom = { patientId: 'P', studyUid: '1.2.3', seriesUid: '1.2.3.1', sopUid: '1.2.3.1.1', rows: 4, columns: 4 };
const decode = (s: SyntheticDicom) => decodeBytes(syntheticDicom(s), 'synthetic.dcm');

async function failure(promise: Promise<unknown>): Promise<DicomFileError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DicomFileError);
  return error as DicomFileError;
}

describe('native layouts', () => {
  let files: Record<Layout, string>;
  const decoded = new Map<Layout, DecodedImage>();
  beforeAll(async () => {
    files = await writeVariants(dir);
    for (const [layout, file] of Object.entries(files) as [Layout, string][]) decoded.set(layout, await decodeFile(file));
  });

  it('decodes the source with the unused high bits masked off', () => {
    const expected = Float32Array.from(VARIANT_SOURCE.pixels!, (v) => v & 0x0fff);
    expect(decoded.get('source')!.pixels).toEqual(expected);
  });

  it.each(['bigEndian', 'deflated', 'implicit', 'noPreamble', 'noMeta'] as const)('%s decodes identical to the source', (layout) => {
    const image = decoded.get(layout)!;
    expect(image.rows).toBe(48);
    expect(image.columns).toBe(40);
    expect(image.pixels).toEqual(decoded.get('source')!.pixels);
  });

  it('reports the layout in the header', () => {
    const summary = (l: Layout) => {
      const { transferSyntaxUid, hasPreamble, hasFileMeta } = decoded.get(l)!.info;
      return [transferSyntaxUid, hasPreamble, hasFileMeta];
    };
    expect(summary('bigEndian')).toEqual(['1.2.840.10008.1.2.2', true, true]);
    expect(summary('deflated')).toEqual(['1.2.840.10008.1.2.1.99', true, true]);
    expect(summary('noPreamble')).toEqual(['1.2.840.10008.1.2.1', false, true]);
    expect(summary('noMeta')).toEqual(['1.2.840.10008.1.2', false, false]);
  });

  it('reads the same header from the file start as from the whole file', async () => {
    for (const file of Object.values(files)) {
      expect(await readInstanceInfo(file)).toEqual(parseInstanceInfo(await readFile(file), file));
    }
  });
});

describe('header', () => {
  it('reads identifying and image tags', () => {
    const info = parseInstanceInfo(syntheticDicom({ ...base, patientName: 'Doe^Jane', instanceNumber: 7 }), 'a.dcm');
    expect(info).toMatchObject({
      path: 'a.dcm',
      transferSyntaxName: 'Explicit VR Little Endian',
      patientId: 'P',
      patientName: 'Doe^Jane',
      studyInstanceUid: '1.2.3',
      seriesInstanceUid: '1.2.3.1',
      sopInstanceUid: '1.2.3.1.1',
      instanceNumber: 7,
      modality: 'CR',
      viewPosition: 'PA',
      rows: 4,
      columns: 4,
      bitsStored: 12,
      pixelSpacing: { row: 0.2, column: 0.2, source: 'PixelSpacing' },
    });
  });

  it('reads a header larger than the first read', async () => {
    const file = path.join(dir, 'big-header.dcm');
    const blob = { tag: 0x00091010, vr: 'OB', value: new Uint8Array(300_000).fill(7) };
    await writeFile(file, syntheticDicom({ ...base, extra: [blob] }));
    expect((await readInstanceInfo(file)).rows).toBe(4);
  });

  it('falls back to ImagerPixelSpacing', () => {
    const info = parseInstanceInfo(
      syntheticDicom({ ...base, extra: [{ tag: 0x00280030, value: null }, { tag: 0x00181164, vr: 'DS', value: '0.15\\0.1' }] }),
      'a.dcm',
    );
    expect(info.pixelSpacing).toEqual({ row: 0.15, column: 0.1, source: 'ImagerPixelSpacing' });
  });
});

describe('pixel values', () => {
  it('sign-extends signed stored values and applies rescale', async () => {
    // 12 bits stored, signed: 0x0FFF is -1, 0x0800 is -2048, 0x07FF is 2047; the high bits are garbage.
    const pixels = Uint16Array.of(0xffff, 0x0800, 0x07ff, 0, ...new Array(12).fill(1));
    const image = await decode({
      ...base,
      pixels,
      pixelRepresentation: 1,
      extra: [
        { tag: 0x00281053, vr: 'DS', value: '2' },
        { tag: 0x00281052, vr: 'DS', value: '-10' },
      ],
    });
    expect(Array.from(image.pixels.subarray(0, 5))).toEqual([-12, -4106, 4084, -10, -8]);
    expect(image.minValue).toBe(-4106);
    expect(image.maxValue).toBe(4084);
  });

  it('handles more than 16 stored bits', async () => {
    const values = Uint32Array.of(0xfffff, 0x80000, 5, (1 << 21) | 7, ...new Array(12).fill(0));
    const image = await decode({
      ...base,
      pixelRepresentation: 1,
      extra: [
        { tag: 0x00280100, vr: 'US', value: [32] },
        { tag: 0x00280101, vr: 'US', value: [20] },
        { tag: 0x00280102, vr: 'US', value: [19] },
        { tag: 0x7fe00010, vr: 'OB', value: new Uint8Array(values.buffer) },
      ],
    });
    expect(Array.from(image.pixels.subarray(0, 4))).toEqual([-1, -524288, 5, 7]);
  });

  it('applies the Modality LUT Sequence instead of the rescale', async () => {
    const lut = {
      tag: 0x00283000,
      vr: 'SQ',
      value: [
        [
          { tag: 0x00283002, vr: 'US', value: [3, 1, 16] },
          { tag: 0x00283006, vr: 'OW', value: Uint16Array.of(100, 200, 300) },
        ],
      ],
    };
    const pixels = Uint16Array.of(0, 1, 2, 3, 4, ...new Array(11).fill(2));
    const image = await decode({ ...base, pixels, extra: [lut, { tag: 0x00281053, vr: 'DS', value: '5' }] });
    expect(image.info.hasModalityLut).toBe(true);
    // Below the first mapped value → first entry, above the last → last entry.
    expect(Array.from(image.pixels.subarray(0, 5))).toEqual([100, 100, 200, 300, 300]);
  });

  it('takes the stored bits below HighBit', async () => {
    const pixels = new Uint16Array(16).fill(0xabc0);
    const image = await decode({ ...base, pixels, extra: [{ tag: 0x00280102, vr: 'US', value: [15] }] });
    expect(image.pixels[0]).toBe(0xabc);
  });

  it('marks MONOCHROME1 for inversion without inverting the values', async () => {
    const image = await decode({ ...base, photometricInterpretation: 'MONOCHROME1' });
    expect(image.invert).toBe(true);
    expect(image.pixels[5]).toBe(5);
  });

  it("uses the file's first window, or the full range when it has none", async () => {
    const windowed = await decode({
      ...base,
      extra: [
        { tag: 0x00281050, vr: 'DS', value: '100\\300' },
        { tag: 0x00281051, vr: 'DS', value: '50\\80' },
      ],
    });
    expect([windowed.window, windowed.windowSource]).toEqual([{ center: 100, width: 50 }, 'file']);
    const plain = await decode(base);
    expect([plain.window, plain.windowSource]).toEqual([{ center: 7.5, width: 15 }, 'full-range']);
  });

  it('decodes frame 0 of a multi-frame instance', async () => {
    const pixels = Uint16Array.from({ length: 32 }, (_, i) => (i < 16 ? 1 : 2));
    const image = await decode({ ...base, pixels, extra: [{ tag: 0x00280008, vr: 'IS', value: '2' }] });
    expect(image.info.numberOfFrames).toBe(2);
    expect(image.pixels).toEqual(new Float32Array(16).fill(1));
  });

  it('leaves the bytes it was given unchanged', async () => {
    const bytes = syntheticDicom({ ...base, pixels: new Uint16Array(16).fill(0x1234) }, { encoding: 'explicit-be' });
    const before = Buffer.from(bytes);
    await decodeBytes(bytes, 'be.dcm');
    expect(Buffer.from(bytes).equals(before)).toBe(true);
  });
});

describe('broken files', () => {
  let broken: Awaited<ReturnType<typeof writeBroken>>;
  beforeAll(async () => {
    broken = await writeBroken(dir);
  });

  it('gives every broken file its specific code, with the path and a message', async () => {
    for (const { path: file, code } of broken) {
      const error = await failure(decodeFile(file));
      expect([path.basename(file), error.code]).toEqual([path.basename(file), code]);
      expect(error.path).toBe(file);
      expect(error.message.length).toBeGreaterThan(10);
    }
  });

  it('refuses from the header alone whatever the header can tell', async () => {
    for (const { path: file, code } of broken.filter((b) => b.code !== 'decode-failed')) {
      expect([path.basename(file), (await failure(readInstanceInfo(file))).code]).toEqual([path.basename(file), code]);
    }
  });

  it('says what is wrong in words', async () => {
    const message = async (name: string) => (await failure(decodeFile(path.join(dir, name)))).message;
    expect(await message('huge.dcm')).toBe('Rows 65535 x Columns 65535 exceeds the 16384 limit');
    expect(await message('mpeg2.dcm')).toBe('transfer syntax 1.2.840.10008.1.2.4.100 (MPEG2 Main Profile / Main Level) is not supported');
    expect(await message('cut-in-pixels.dcm')).toMatch(/^file ends at byte \d+ inside Pixel Data \(truncated\)$/);
  });

  it('calls missing and unreadable paths unreadable', async () => {
    expect((await failure(readInstanceInfo(path.join(dir, 'absent.dcm')))).code).toBe('unreadable');
    expect((await failure(decodeFile(dir))).code).toBe('unreadable');
  });
});

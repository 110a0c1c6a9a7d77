// The decode path on the real files in ../shared/data: every compressed syntax against its uncompressed
// reference, the SIIM and other chest radiographs, and the malformed sample. Each file is decoded once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecodedImage } from '../../../../main/api/contract';
import { decodeFile, DicomFileError, readInstanceInfo } from '../../../../main/studies/dicom';
import { deflateFile, truncateFile } from '../../../fixtures/dicom-variants';
import { describeWithSharedData, sharedFile } from '../../../support/shared-data';

const SIIM = [
  '1.2.276.0.7230010.3.1.4.8323329.301.1517875162.280319.dcm',
  '1.2.276.0.7230010.3.1.4.8323329.307.1517875162.311533.dcm',
  '1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm',
];

const decoded = new Map<string, DecodedImage>();
async function image(...parts: string[]): Promise<DecodedImage> {
  const file = sharedFile(...parts);
  if (!decoded.has(file)) decoded.set(file, await decodeFile(file));
  return decoded.get(file)!;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describeWithSharedData('real DICOM files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pleura-real-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['RG2', 'RLE', 0],
    ['RG2', 'JPLL', 0],
    ['RG2', 'JLSL', 0],
    ['RG2', 'J2KR', 0],
    ['RG3', 'RLE', 0],
    ['RG3', 'JPLL', 0],
    ['RG2', 'JLSN', 4],
    ['RG2', 'J2KI', 87],
    ['RG2', 'JPLY', 101],
  ])('%s_%s is within %i of the uncompressed reference', async (name, encoding, tolerance) => {
    const reference = await image('codecs', `${name}_UNC.dcm`);
    const compressed = await image('codecs', `${name}_${encoding}.dcm`);
    const diff = maxAbsDiff(compressed.pixels, reference.pixels);
    expect(diff).toBeLessThanOrEqual(tolerance);
    // Lossy files must actually differ: a tolerance met by decoding the wrong file would prove nothing.
    if (tolerance > 0) expect(diff).toBeGreaterThan(0);
    expect(compressed.window).toEqual(reference.window);
  });

  it('reads RG3 (MONOCHROME1, 10 bits) with its window', async () => {
    const rg3 = await image('codecs', 'RG3_UNC.dcm');
    expect([rg3.rows, rg3.columns, rg3.invert, rg3.windowSource]).toEqual([1760, 1760, true, 'file']);
    expect(rg3.maxValue).toBeLessThanOrEqual(1023);
  });

  it.each(SIIM)('decodes SIIM %s to a plausible 1024 x 1024 radiograph', async (file) => {
    const siim = await image('siim', file);
    expect([siim.rows, siim.columns, siim.invert, siim.info.transferSyntaxUid]).toEqual([1024, 1024, false, '1.2.840.10008.1.2.4.50']);
    expect(siim.minValue).toBeGreaterThanOrEqual(0);
    expect(siim.maxValue).toBeLessThanOrEqual(255);
    expect(siim.maxValue - siim.minValue).toBeGreaterThan(150);
    const mean = siim.pixels.reduce((a, b) => a + b, 0) / siim.pixels.length;
    expect(mean).toBeGreaterThan(40);
    expect(mean).toBeLessThan(215);
    expect(siim.info.pixelSpacing?.source).toBe('PixelSpacing');
  });

  it('decodes CR-MONO1-10-chest (no preamble, no meta, MONOCHROME1)', async () => {
    const cr = await image('cxr', 'CR-MONO1-10-chest.dcm');
    expect([cr.rows, cr.columns, cr.invert, cr.info.hasPreamble, cr.info.hasFileMeta]).toEqual([440, 440, true, false, false]);
    expect(cr.info.transferSyntaxUid).toBe('1.2.840.10008.1.2');
    expect(cr.window).toEqual({ center: 550, width: 1024 });
    expect(cr.maxValue).toBeLessThan(1024);
    expect(cr.maxValue - cr.minValue).toBeGreaterThan(500);
  });

  it('decodes the NIH implicit little endian file with a full-range window', async () => {
    const nih = await image('cxr', 'nih-dx-implicit-le.dcm');
    expect([nih.rows, nih.columns, nih.invert, nih.windowSource]).toEqual([1024, 1024, false, 'full-range']);
    expect(nih.window).toEqual({ center: (nih.minValue + nih.maxValue) / 2, width: nih.maxValue - nih.minValue });
    expect(nih.maxValue - nih.minValue).toBeGreaterThan(150);
  });

  it('decodes RG1_J2KI (JPEG 2000 lossy, 15 bits, MONOCHROME1)', async () => {
    const rg1 = await image('cxr', 'RG1_J2KI.dcm');
    expect([rg1.rows, rg1.columns, rg1.invert, rg1.info.bitsStored]).toEqual([1955, 1841, true, 15]);
    expect(rg1.maxValue).toBeLessThan(2 ** 15);
    expect(rg1.maxValue - rg1.minValue).toBeGreaterThan(10000);
  });

  it('rejects the malformed file with a clear per-file error', async () => {
    const file = sharedFile('bad', 'malformed-no-pixel-description.dcm');
    for (const read of [readInstanceInfo, decodeFile]) {
      const error = await read(file).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DicomFileError);
      expect((error as DicomFileError).code).toBe('missing-pixel-description');
      expect((error as DicomFileError).message).toMatch(/BitsAllocated.*PhotometricInterpretation/);
    }
  });

  describe('re-wrapped and cut copies', () => {
    beforeAll(async () => {
      await deflateFile(sharedFile('codecs', 'RG3_UNC.dcm'), path.join(dir, 'rg3-deflated.dcm'));
      await truncateFile(sharedFile('siim', SIIM[0]), path.join(dir, 'siim-cut.dcm'), 0.6);
    });

    it('decodes a deflated copy of RG3_UNC identical to the original', async () => {
      const deflated = await decodeFile(path.join(dir, 'rg3-deflated.dcm'));
      expect(deflated.info.transferSyntaxUid).toBe('1.2.840.10008.1.2.1.99');
      expect(maxAbsDiff(deflated.pixels, (await image('codecs', 'RG3_UNC.dcm')).pixels)).toBe(0);
    });

    it('calls a JPEG file cut short truncated', async () => {
      const error = (await decodeFile(path.join(dir, 'siim-cut.dcm')).catch((e: unknown) => e)) as DicomFileError;
      expect([error.code, error.message]).toEqual(['truncated', expect.stringMatching(/inside Pixel Data/)]);
    });
  });
});

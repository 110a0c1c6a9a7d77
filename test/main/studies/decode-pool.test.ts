// The decode pool: decoding in worker threads, pixels transferred back, per-file errors with their codes.
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DicomFileError } from '../../../main/studies/dicom';
import { createDecodePool, type DecodePool } from '../../../main/studies/decode-pool';
import { BROKEN } from '../../fixtures/dicom-variants';
import { writeSyntheticDicom } from '../../fixtures/synthetic-dicom';
import { hasSharedData, sharedFile } from '../../support/shared-data';

describe('decode pool', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pleura-pool-'));
  let pool: DecodePool;
  beforeAll(() => {
    pool = createDecodePool({ size: 2 });
  });
  afterAll(async () => {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('decodes several files at once in workers', async () => {
    const files = await Promise.all(
      [1, 2, 3].map(async (n) => {
        const file = path.join(dir, `${n}.dcm`);
        await writeSyntheticDicom(file, { patientId: 'P', studyUid: '1.2', seriesUid: '1.2.1', sopUid: `1.2.1.${n}`, rows: 16, columns: 8 * n });
        return file;
      }),
    );
    const images = await Promise.all(files.map((f) => pool.decode(f)));
    expect(images.map((i) => [i.columns, i.pixels.length, i.pixels[7]])).toEqual([
      [8, 128, 7],
      [16, 256, 7],
      [24, 384, 7],
    ]);
    expect(images[0].pixels).toBeInstanceOf(Float32Array);
  });

  it('returns failures as DicomFileError with the file code', async () => {
    const file = path.join(dir, 'huge.dcm');
    await writeFile(file, BROKEN['huge.dcm'].bytes());
    const error = await pool.decode(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DicomFileError);
    expect([(error as DicomFileError).code, (error as DicomFileError).path]).toEqual(['absurd-dimensions', file]);
  });

  it.runIf(hasSharedData)('decodes a real JPEG 2000 file off the main thread', async () => {
    const image = await pool.decode(sharedFile('codecs', 'RG2_J2KR.dcm'));
    expect([image.rows, image.columns, image.pixels.length]).toEqual([2140, 1760, 2140 * 1760]);
  });

  it('refuses work once closed', async () => {
    const closing = createDecodePool({ size: 1 });
    await closing.close();
    await expect(closing.decode(path.join(dir, '1.dcm'))).rejects.toThrow(/closed/);
  });
});

// What the fuzz tests found, each kept as its minimal case so it stays fixed.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDispatch } from '../../main/api/dispatch';
import { createServices } from '../../main/services/create-services';
import { createOperationLog } from '../../main/services/operation-log';
import { decodeBytes } from '../../main/studies/dicom';
import { syntheticDicom, type SyntheticDicom } from '../fixtures/synthetic-dicom';
import { deepSequence } from './mutate';

const base: SyntheticDicom = { patientId: 'KNOWN', studyUid: '1.2.826.0.1.3680043.10.1517', seriesUid: '1.2.826.0.1.3680043.10.1517.1', sopUid: '1.2.826.0.1.3680043.10.1517.1.1' };

async function decodeError(bytes: Uint8Array): Promise<{ code: string; message: string } | null> {
  return decodeBytes(bytes, 'known.dcm').then(
    () => null,
    (error: { code: string; message: string }) => ({ code: error.code, message: error.message }),
  );
}

describe('fuzz findings in DICOM reading', () => {
  // Found as case 530 of run 1 (generated/no-meta, byte flips) and case 2932 of run 2: a flipped "\" left
  // PixelSpacing one value. dicom-parser's floatString(tag, 1) then throws a TypeError (it trims a missing value)
  // and instance-info.ts lets it fail the whole file as decode-failed "Cannot read properties of undefined
  // (reading 'trim')". A spacing that cannot be read should leave the spacing unknown, as "0.2\" already does.
  it('reads a file whose PixelSpacing has one value, without a spacing', async () => {
    const bytes = syntheticDicom({ ...base, extra: [{ tag: 0x00280030, vr: 'DS', value: '0.2' }] });
    const image = await decodeBytes(bytes, 'known.dcm');
    expect(image.info.pixelSpacing).toBeNull();
  });

  // Found as case 10 of run 1 and case 18 of the default run: a Referenced Image Sequence nested 4096 deep (80 kB)
  // overflows the parser's stack in the main thread; 30,000 deep (600 kB) in a worker. The file gets decode-failed
  // with "Maximum call stack size exceeded", which tells the user nothing, and the depth that fails depends on the
  // thread's stack (the scan and the decode can disagree). A depth limit with its own message would say why.
  it('refuses sequences nested absurdly deep with a message that says so', async () => {
    const file = Buffer.from(syntheticDicom(base));
    const pixelData = file.lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x57]));
    const bytes = Buffer.concat([file.subarray(0, pixelData), deepSequence(30_000, 'undefined-length'), file.subarray(pixelData)]);
    const error = await decodeError(bytes);
    expect(error).not.toBeNull();
    expect(error!.message).not.toMatch(/Maximum call stack/);
  });
});

describe('fuzz findings in the API', () => {
  // Found by the API fuzz (valid-shaped arguments): audit.export and exports.run pass the folder to realpath, and
  // studies.scan its path to lstat; Node's errors for a NUL byte (ERR_INVALID_ARG_VALUE) and a name over 255 bytes
  // (ENAMETOOLONG) leave the dispatcher as 'failed' (HTTP 500, onUnexpectedError) instead of 'invalid-argument'
  // or 'not-found' naming the path.
  const names = { 'a NUL byte': `out\0x`, 'a 300-byte name': 'x'.repeat(300) };
  const cases = Object.entries(names).flatMap(([what, name]) => [
    { method: 'audit.export', what, args: (dir: string) => ({ folder: path.join(dir, name) }) },
    { method: 'studies.scan', what, args: (dir: string) => ({ path: path.join(dir, name) }) },
  ]);
  it.each(cases)('$method refuses a path with $what', async ({ method, args }) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pleura-known-'));
    const services = createServices({ dataDir: path.join(dir, 'data'), shell: 'browser', version: 'known', log: createOperationLog({ file: () => {} }) });
    try {
      const outcome = await createDispatch(services.handlers)(method, args(dir));
      expect(outcome.ok).toBe(false);
      expect(outcome).not.toMatchObject({ error: { code: 'failed' } });
    } finally {
      await services.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

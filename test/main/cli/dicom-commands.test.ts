// `pleura info` and `pleura decode` as a user runs them: a child process, JSON on stdout, errors on stderr.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../../main/cli/npy';
import { BROKEN } from '../../fixtures/dicom-variants';
import { writeSyntheticDicom } from '../../fixtures/synthetic-dicom';

const root = path.resolve(import.meta.dirname, '../../..');
async function pleura(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('npx', ['tsx', 'main/cli/pleura.ts', ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('pleura info / decode', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pleura-cli-'));
  const file = path.join(dir, 'image.dcm');
  beforeAll(() => writeSyntheticDicom(file, { patientId: 'CLI', studyUid: '1.9', seriesUid: '1.9.1', sopUid: '1.9.1.1', rows: 6, columns: 5 }));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the header as JSON, then writes the pixels as float32 .npy', async () => {
    const info = await pleura('info', file);
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ patientId: 'CLI', rows: 6, columns: 5, transferSyntaxName: 'Explicit VR Little Endian' });

    const out = path.join(dir, 'image.npy');
    const decoded = await pleura('decode', file, '--out', out);
    expect(decoded.code).toBe(0);
    const npy = decodeNpy(await readFile(out));
    expect([npy.descr, npy.shape]).toEqual(['<f4', [6, 5]]);
    expect(Array.from(new Float32Array(npy.data.buffer).subarray(0, 4))).toEqual([0, 1, 2, 3]);
  });

  it('exits non-zero with the error code on stderr', async () => {
    const bad = path.join(dir, 'bad.dcm');
    await writeFile(bad, BROKEN['no-pixels.dcm'].bytes());
    const result = await pleura('info', bad);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toBe(`pleura: no-pixel-data: ${bad}: no Pixel Data (7FE0,0010): not an image (SOP class 1.2.840.10008.5.1.4.1.1.1)\n`);
  });
});

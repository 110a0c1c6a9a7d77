// First use of the command line: `pleura predict` and `pleura triage` without --model, on a data directory with no
// model installed, install the bundled demonstration model (as the workstation's first run does), make it current,
// and name it — on stderr, in their JSON and in results.json — as a demonstration model. The commands run in-process
// as pleura.ts runs them (a process start per command would add seconds and test nothing of first use).
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { predict } from '../../../main/cli/commands/predict';
import { triage } from '../../../main/cli/commands/triage';
import { bundledDemo } from '../../fixtures/demo-model';
import { writeSyntheticDicom } from '../../fixtures/synthetic-dicom';
import { runCliCaptured } from '../../support/capture-cli';

const root = mkdtempSync(path.join(os.tmpdir(), 'pleura-default-model-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const { ref: bundledRef, size: bundledSize } = await bundledDemo();

async function pleura(dataDir: string, name: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  vi.stubEnv('PLEURA_DATA_DIR', dataDir);
  try {
    return await runCliCaptured({ predict, triage }, name, args);
  } finally {
    vi.unstubAllEnvs();
  }
}

const currentPointer = (dataDir: string) => JSON.parse(readFileSync(path.join(dataDir, 'models', 'current.json'), 'utf8')).model;
const installedLine = `pleura: no model was installed, so the bundled model ${bundledRef} is now installed and current (a demonstration model, not for clinical use)\n`;

const folder = path.join(root, 'studies');
const image = path.join(folder, 'chest.dcm');
beforeAll(async () => {
  mkdirSync(folder);
  const [rows, columns] = [96, 80];
  await writeSyntheticDicom(image, {
    patientId: 'FIRST-USE',
    studyUid: '1.7',
    seriesUid: '1.7.1',
    sopUid: '1.7.1.1',
    rows,
    columns,
    bitsStored: 12,
    pixels: Uint16Array.from({ length: rows * columns }, (_, i) => (i * 53) % 4096),
  });
});

describe('the command line without --model on a data directory with no model', () => {
  it('`pleura predict` installs the bundled demonstration model, makes it current and names it; the next run uses it', async () => {
    const dataDir = path.join(root, 'predict-data');
    const first = await pleura(dataDir, 'predict', image, '--out', path.join(root, 'first.npy'));
    expect(first.stderr).toBe(installedLine);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).models).toEqual([expect.objectContaining({ ref: bundledRef, demonstration: true, arch: 'unet-light', inputSize: bundledSize })]);
    expect(currentPointer(dataDir)).toBe(bundledRef);

    const again = await pleura(dataDir, 'predict', image, '--out', path.join(root, 'again.npy'));
    expect(again.stderr).toBe(`pleura: using the current model ${bundledRef} (a demonstration model, not for clinical use)\n`);
    expect(again.code).toBe(0);
  }, 120_000);

  it('`pleura triage` does the same, and results.json and its JSON line name the demonstration model', async () => {
    const dataDir = path.join(root, 'triage-data');
    const out = path.join(root, 'triage-out');
    const result = await pleura(dataDir, 'triage', folder, '--out', out);
    expect(result.stderr.split('\n')[0]).toBe(installedLine.trimEnd());
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ models: [bundledRef], demonstrationModel: true, files: 1 });
    const report = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(report).toMatchObject({ models: [{ ref: bundledRef }], demonstrationModel: true });
    expect(currentPointer(dataDir)).toBe(bundledRef);
  }, 120_000);
});

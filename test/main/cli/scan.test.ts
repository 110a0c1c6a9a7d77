import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanReport } from '../../../main/cli/commands/scan';
import { studyUid, writeStudyFolder } from '../../fixtures/study-folder';

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '../../..');

describe('pleura scan', () => {
  let dir: string;
  let folder: string;
  const pleura = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', path.join(repo, 'main/cli/pleura.ts'), ...args], {
      cwd: repo,
      env: { ...process.env, PLEURA_DATA_DIR: path.join(dir, 'data') },
    });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pleura-cli-scan-'));
    folder = path.join(dir, 'images');
    mkdirSync(folder);
    await writeStudyFolder(folder, { studies: 2, imagesPerStudy: 2 });
    writeFileSync(path.join(folder, 'notes.txt'), 'not an image');
    writeFileSync(path.join(folder, 'broken.dcm'), 'claims to be DICOM, is not');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one JSON document: the summary, the patient tree and the rejected files', async () => {
    const { stdout } = await pleura('scan', folder, '--json');
    const report = JSON.parse(stdout) as ScanReport;
    expect(report.summary).toMatchObject({ root: folder, filesSeen: 6, studies: 2, errors: 1, skipped: 1 });
    expect(report.patients.map((p) => p.patientId).sort()).toEqual(['PAT1', 'PAT2']);
    const study = report.patients.find((p) => p.patientId === 'PAT1')!.studies[0];
    expect(study.studyInstanceUid).toBe(studyUid({}, 0));
    expect(study.series[0].instances.map((i) => path.basename(i.path))).toEqual(['IM00001.dcm', 'IM00002.dcm']);
    expect(report.fileErrors).toEqual([{ path: path.join(folder, 'broken.dcm'), code: 'not-dicom', message: expect.any(String) }]);
  });

  it('rescans from the same data folder and prints a short summary', async () => {
    const { stdout } = await pleura('scan', folder);
    expect(stdout).toMatch(/^Scanned .* 6 files \(0 read, 5 unchanged, 0 new, 0 changed, 0 removed, 1 skipped\), 2 studies, 1 file with errors\./);
    expect(stdout).toMatch(/broken\.dcm: not-dicom/);
    expect(stdout).not.toMatch(/notes\.txt/);
  });

  it('refuses a folder that does not exist with exit code 2 and a clear message', async () => {
    const failure = await pleura('scan', path.join(dir, 'missing')).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 2, stderr: expect.stringMatching(/cannot scan ".*missing": no such folder/) });
  });
});

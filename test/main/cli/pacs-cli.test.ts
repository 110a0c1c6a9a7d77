// `pleura pacs sync` and `pleura pacs listen` as a headless node runs them: real processes, a real Orthanc, the
// bundled model installed on first use, the password from PLEURA_PACS_PASSWORD; dcmtk's storescu sends to the listener.
// A sync that only repeats what a process has shown runs in this process (a process start costs seconds).
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { pacs } from '../../../main/cli/commands/pacs';
import { CliUsageError, runCli } from '../../../main/cli/run';
import { createDicomwebClient } from '../../../main/pacs/dicomweb/client';
import { writePhantomSet } from '../../../main/phantoms/write-set';
import { freePort, ORTHANC_MISSING, orthancAvailable, startOrthanc, type OrthancServer } from '../../fixtures/orthanc';
import { runCliCaptured } from '../../support/capture-cli';
import { repositoryRoot as repo } from '../../support/serve-process';

const run = promisify(execFile);
const hasStorescu = !spawnSync('storescu', ['--version']).error;

describe.skipIf(!orthancAvailable())(`pleura pacs${orthancAvailable() ? '' : ` (${ORTHANC_MISSING})`}`, () => {
  let dir: string;
  let orthanc: OrthancServer;
  let files: string[];

  const pleura = (dataDir: string, args: string[], password: string) =>
    run(process.execPath, ['--import', 'tsx', 'main/cli/pleura.ts', 'pacs', ...args], { cwd: repo, env: { ...process.env, PLEURA_DATA_DIR: dataDir, PLEURA_PACS_PASSWORD: password } }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
  /** The same command run as pleura.ts runs it, in this process, with the same environment. */
  const pleuraHere = async (dataDir: string, args: string[], password: string) => {
    vi.stubEnv('PLEURA_DATA_DIR', dataDir);
    vi.stubEnv('PLEURA_PACS_PASSWORD', password);
    try {
      return await runCliCaptured({ pacs }, 'pacs', args);
    } finally {
      vi.unstubAllEnvs();
    }
  };
  const pleuraResults = async () => {
    const client = createDicomwebClient({ url: orthanc.dicomwebUrl, auth: { kind: 'basic', user: orthanc.user, password: orthanc.password } });
    const studies = await client.searchStudies({});
    return (await Promise.all(studies.map((study) => client.searchInstances(study.studyInstanceUid)))).flat().filter((instance) => instance.manufacturer === 'Pleura');
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pleura-pacs-cli-'));
    const set = await writePhantomSet({ out: path.join(dir, 'phantoms'), count: 4, seed: 911, size: 256, positiveFraction: 0.5 });
    files = set.images.map((image) => path.join(dir, 'phantoms', image.file));
    orthanc = await startOrthanc();
  }, 60_000);
  afterAll(async () => {
    await orthanc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sync --push --json retrieves, triages and pushes, and prints the counts; run again it does nothing new', async () => {
    for (const file of files.slice(0, 2)) await orthanc.upload(readFileSync(file));
    const dataDir = path.join(dir, 'node-sync');
    const args = ['sync', '--dicomweb', orthanc.dicomwebUrl, '--user', orthanc.user, '--push', '--json', '--from', '20250101'];
    const first = await pleura(dataDir, args, orthanc.password);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/bundled model pleura-demo@\S+ is now installed and current/);
    expect(JSON.parse(first.stdout)).toMatchObject({ state: 'done', studies: 2, retrieved: 2, triaged: 2, pushed: 2, skipped: 0, errors: 0 });
    expect((await pleuraResults()).filter((result) => result.modality === 'SR')).toHaveLength(2);

    const second = await pleuraHere(dataDir, args, orthanc.password);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ state: 'done', studies: 2, retrieved: 0, triaged: 0, pushed: 0, errors: 0 });
    expect((await pleuraResults()).filter((result) => result.modality === 'SR')).toHaveLength(2);
  }, 180_000);

  it('a wrong password fails with the authentication error and exit code 1', async () => {
    const result = await pleuraHere(path.join(dir, 'node-wrong'), ['sync', '--dicomweb', orthanc.dicomwebUrl, '--user', orthanc.user, '--json'], 'wrong-password');
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ state: 'failed', retrieved: 0, message: expect.stringMatching(/user name and password/) });
  }, 120_000);

  it('refuses a sync without --dicomweb, a URL with credentials and a malformed --from (usage, exit 2)', async () => {
    const usageError = /usage: pleura pacs|--dicomweb|--from/;
    const result = await pleura(path.join(dir, 'node-usage'), ['sync'], '');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(usageError);
    // The rest in-process: a process start costs seconds, and pleura.ts turns every CliUsageError into exit 2 as above.
    for (const args of [['sync', '--dicomweb', 'http://u:p@127.0.0.1:9/dicom-web'], ['sync', '--dicomweb', orthanc.dicomwebUrl, '--from', '2026-01-01'], ['nope']]) {
      const refused = runCli({ pacs }, 'pacs', args);
      await expect(refused, args.join(' ')).rejects.toBeInstanceOf(CliUsageError);
      await expect(refused, args.join(' ')).rejects.toThrow(usageError);
    }
  }, 120_000);

  it.skipIf(!hasStorescu)('listen: storescu sends two radiographs; Pleura triages them and pushes their results to the DICOMweb server', async () => {
    const port = await freePort();
    const dataDir = path.join(dir, 'node-listen');
    const child = spawn(process.execPath, ['--import', 'tsx', 'main/cli/pleura.ts', 'pacs', 'listen', '--port', String(port), '--ae', 'PLEURA', '--dicomweb', orthanc.dicomwebUrl, '--user', orthanc.user, '--push'], {
      cwd: repo,
      env: { ...process.env, PLEURA_DATA_DIR: dataDir, PLEURA_PACS_PASSWORD: orthanc.password },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString().split('\n')[0]) as Record<string, unknown>));
        child.on('exit', (code) => reject(new Error(`pacs listen exited with ${code}: ${stderr}`)));
      });
      expect(ready).toMatchObject({ listening: true, port, ae: 'PLEURA', host: '127.0.0.1' });
      const srsBefore = (await pleuraResults()).filter((result) => result.modality === 'SR').length;

      // The phantoms are JPEG baseline: storescu proposes it (-xy) rather than decompress them.
      const wrongAe = spawnSync('storescu', ['-xy', '-aet', 'MODALITY', '-aec', 'NOT_PLEURA', '127.0.0.1', String(port), files[2]], { encoding: 'utf8' });
      expect(wrongAe.status).not.toBe(0);
      const sent = spawnSync('storescu', ['-xy', '-aet', 'MODALITY', '-aec', 'PLEURA', '127.0.0.1', String(port), files[2], files[3]], { encoding: 'utf8' });
      expect(sent.status, sent.stderr).toBe(0);

      const deadline = Date.now() + 90_000;
      let srs: string[] = [];
      while (Date.now() < deadline) {
        const results = await pleuraResults();
        srs = results.filter((result) => result.modality === 'SR').map((result) => result.studyInstanceUid);
        if (srs.length >= srsBefore + 2) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(srs, stderr).toHaveLength(srsBefore + 2);
      expect(stderr).toMatch(/pleura pacs listen: done: 2 studies, 2 triaged, 2 pushed, 0 skipped, 0 errors/);
      child.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
      expect(code).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 180_000);
});

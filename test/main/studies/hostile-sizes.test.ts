// Issue 10's goal: a folder holding a 4 GB sparse file of zeros, a deflate bomb (512 MiB inflated), a 1.9 GB JPEG
// file whose one fragment is nearly all of it and a 1.5 GB file whose header never ends within the cap is scanned,
// triaged and opened in the viewer by a fresh Pleura process (the composed services, the bundled demonstration
// model), which gives each file its specific error and whose peak resident memory stays under 1 GiB above idle.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeDeflateBomb, writeHugeFragment, writeLongHeader, writeSparseZeros } from '../../fixtures/hostile-dicom';
import { writeSyntheticDicom } from '../../fixtures/synthetic-dicom';

const REPO = path.resolve(import.meta.dirname, '../../..');
const GiB = 2 ** 30;

let dir: string;
const folder = () => path.join(dir, 'hostile');

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pleura-hostile-sizes-'));
  mkdirSync(folder());
  await writeSparseZeros(path.join(folder(), 'big.dcm'), 4 * GiB);
  await writeDeflateBomb(path.join(folder(), 'bomb.dcm'), 512 * 2 ** 20);
  await writeHugeFragment(path.join(folder(), 'huge-jpeg.dcm'), 1.9e9);
  await writeLongHeader(path.join(folder(), 'long-header.dcm'), 1.5e9);
  const ids = { patientId: 'OK', studyUid: '1.2.3.8', seriesUid: '1.2.3.8.1', sopUid: '1.2.3.8.1.1', rows: 64, columns: 64 };
  await writeSyntheticDicom(path.join(folder(), 'valid.dcm'), ids);
}, 60_000);

// The sparse files take no disk space, but a copy or backup of the temporary folder would.
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The child's script: each file's outcome in the scan, the triage and the viewer, and the memory figures. It is a
 * file, not -e, because worker threads inherit the process's flags and --input-type would stop them.
 */
const CHILD = `
import { readFileSync } from 'node:fs';
import path from 'node:path';
const { createServices } = await import('${REPO}/main/services/create-services');
const { createModelLibrary } = await import('${REPO}/main/models/model-library');
const status = (field) => Number(new RegExp(field + ':\\\\s+(\\\\d+) kB').exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
const [folder, dataDir] = process.argv.slice(-2);
const library = createModelLibrary(dataDir);
await library.setCurrent((await library.installModel('${REPO}/models/pleura-demo')).ref);
const services = createServices({ dataDir, shell: 'browser', version: 'test' });
const { handlers } = services;
await handlers['settings.update']({ autoTriage: false, engine: 'onnx', tta: 'none' });
const idle = status('VmRSS');
const started = performance.now();
const outcome = {};
const of = (file) => (outcome[path.basename(file)] ??= {});
const summary = await handlers['studies.scan']({ path: folder });
for (const error of await handlers['studies.fileErrors']({ root: folder })) of(error.path).scan = error.code;
const done = new Promise((resolve) => services.events.subscribe((event, job) => event === 'triage.done' && resolve(job)));
await handlers['triage.start']({});
const job = await done;
for (const row of await handlers['studies.worklist']({})) {
  const byId = new Map((await handlers['triage.images']({ studyInstanceUid: row.studyInstanceUid })).map((image) => [image.instanceId, image]));
  for (const series of (await handlers['studies.detail']({ studyInstanceUid: row.studyInstanceUid })).series) {
    for (const instance of series.instances) {
      const triage = byId.get(instance.id);
      of(instance.path).triage = triage?.error?.code ?? triage?.state;
      const load = await handlers['images.load']({ instanceId: instance.id }).then(() => ({ code: 'ok' }), (e) => e.details?.fileError ?? { code: e.message });
      Object.assign(of(instance.path), { load: load.code, message: load.message });
    }
  }
}
const seconds = (performance.now() - started) / 1000;
await services.close();
console.log(JSON.stringify({ outcome, idle, peak: status('VmHWM'), seconds, scanErrors: summary.errors, triage: job.state }));
`;

it('scans, triages and opens the hostile folder with a specific error per file, under 1 GiB above idle', () => {
  const script = path.join(dir, 'child.mts');
  writeFileSync(script, CHILD);
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, folder(), path.join(dir, 'data')], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, PLEURA_NO_SAMPLES: '1' },
    timeout: 240_000,
  });
  expect(run.status, run.stderr).toBe(0);
  const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
  console.log(`hostile folder: ${((result.peak - result.idle) / 2 ** 20).toFixed(0)} MiB above idle (${(result.idle / 2 ** 20).toFixed(0)} MiB), ${result.seconds.toFixed(1)} s`);
  expect(result.outcome['big.dcm']).toEqual({ scan: 'not-dicom' });
  expect(result.outcome['long-header.dcm']).toEqual({ scan: 'too-large' });
  expect(result.outcome['bomb.dcm']).toMatchObject({ triage: 'too-large', load: 'too-large', message: expect.stringMatching(/^the deflated data set inflates further, past the \d+-byte limit: its header declares/) });
  expect(result.outcome['huge-jpeg.dcm']).toMatchObject({ triage: 'too-large', load: 'too-large', message: expect.stringMatching(/^frame 0's compressed data reaches 1900000000 bytes, past the 5242880-byte limit/) });
  expect(result.outcome['valid.dcm']).toMatchObject({ triage: 'triaged', load: 'ok' });
  expect(result.peak - result.idle).toBeLessThan(GiB);
}, 300_000);

// PACS throughput: studies per minute from arrival to results in the PACS, on a real Orthanc on loopback, with the
// bundled model. Two paths: `pacs sync` (QIDO-RS, WADO-RS, triage, STOW-RS of SEG/SC/SR) over studies already in
// Orthanc, and the C-STORE listener (storescu sends, Pleura triages and pushes) until every SR is in Orthanc.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDicomwebClient } from '../../main/pacs/dicomweb/client';
import { writePhantomSet } from '../../main/phantoms/write-set';
import { freePort, orthancAvailable, ORTHANC_MISSING, startOrthanc, type OrthancServer } from '../fixtures/orthanc';
import { openPacsNode, orthancEndpoints } from '../fixtures/pacs-node';

const run = promisify(execFile);
const STUDIES = 20;
const SIZE = 1024;

export async function pacsBench(): Promise<unknown> {
  if (!orthancAvailable()) return { skipped: ORTHANC_MISSING };
  const work = mkdtempSync(path.join(tmpdir(), 'pleura-bench-pacs-'));
  try {
    const set = await writePhantomSet({ out: path.join(work, 'phantoms'), count: STUDIES, seed: 5150, size: SIZE, positiveFraction: 0.5 });
    const files = set.images.map((image) => path.join(work, 'phantoms', image.file));
    return { studies: STUDIES, imageSize: SIZE, sync: await syncPath(files), listener: await listenerPath(files) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function syncPath(files: string[]) {
  const orthanc = await startOrthanc();
  const node = await openPacsNode();
  try {
    for (const file of files) await orthanc.upload(readFileSync(file));
    const started = performance.now();
    const job = await node.services.pacs.sync(orthancEndpoints(orthanc), { push: true });
    const seconds = (performance.now() - started) / 1000;
    return { seconds: round(seconds), studiesPerMinute: round((job.studies / seconds) * 60), retrieved: job.retrieved, triaged: job.triaged, pushed: job.pushed, errors: job.errors.length };
  } finally {
    await node.close();
    await orthanc.close();
  }
}

async function listenerPath(files: string[]) {
  if (spawnSync('storescu', ['--version']).error) return { skipped: 'storescu is absent (apt-get install dcmtk)' };
  const orthanc = await startOrthanc();
  const node = await openPacsNode();
  try {
    const port = await freePort();
    const listener = await node.services.pacs.listen(orthancEndpoints(orthanc), { port, aeTitle: 'PLEURA', push: true });
    const started = performance.now();
    // Not spawnSync: the listener runs on this thread's event loop.
    await run('storescu', ['-xy', '-aet', 'BENCH', '-aec', 'PLEURA', '127.0.0.1', String(port), ...files]);
    await untilResults(orthanc, files.length);
    const seconds = (performance.now() - started) / 1000;
    await listener.close();
    return { seconds: round(seconds), studiesPerMinute: round((files.length / seconds) * 60) };
  } finally {
    await node.close();
    await orthanc.close();
  }
}

/** Waits until Orthanc holds one Pleura SR per sent image. */
async function untilResults(orthanc: OrthancServer, count: number): Promise<void> {
  const client = createDicomwebClient({ url: orthanc.dicomwebUrl, auth: { kind: 'basic', user: orthanc.user, password: orthanc.password } });
  const deadline = Date.now() + 10 * 60_000;
  while (Date.now() < deadline) {
    const studies = await client.searchStudies({});
    const instances = (await Promise.all(studies.map((study) => client.searchInstances(study.studyInstanceUid)))).flat();
    if (instances.filter((instance) => instance.manufacturer === 'Pleura' && instance.modality === 'SR').length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('the results did not reach Orthanc within 10 minutes');
}

const round = (value: number) => Math.round(value * 10) / 10;

// The triage job queue through the composed services, with real parts only: phantom DICOM studies scanned into a
// real index, a tiny unet-light model installed and current in the model library, inference in worker threads.
import { mkdtempSync, readdirSync, rmSync, truncateSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent, ApiEvents, TriageJob, WorklistRow } from '../../../main/api/contract';
import { createModelLibrary } from '../../../main/models/model-library';
import { writePhantomSet } from '../../../main/phantoms/write-set';
import { createServices, type Services } from '../../../main/services/create-services';
import { writeDemoModel } from '../../fixtures/demo-model';

const MODEL_SIZE = 64;
const IMAGE_SIZE = 96;
const COUNT = 4;
/** Every pixel above 0 is in the mask: every image is flagged, whatever the random model says. */
const FLAG_ALL = { kind: 'triple-threshold', top: 0, minArea: 0, bottom: 0, minRegionArea: null } as const;

let dir: string;
let dicom: string;
let services: Services;
let modelRef: string;
const events: { event: ApiEvent; payload: unknown }[] = [];

function nextDone(): Promise<TriageJob> {
  return new Promise((resolve) => {
    const stop = services.events.subscribe((event, payload) => {
      if (event !== 'triage.done') return;
      stop();
      resolve(payload as ApiEvents['triage.done']);
    });
  });
}

async function triage(args: { force?: boolean; studyInstanceUids?: string[] } = {}): Promise<TriageJob> {
  const done = nextDone();
  const job = await services.handlers['triage.start'](args);
  expect(job.state).toBe('running');
  return done;
}

const handlers = () => services.handlers;
const worklist = () => handlers()['studies.worklist']({});

/** The worklist's documented order: suspected pneumothorax by score, then not yet known, not flagged (by peak), not assessed, failures. */
function group(row: WorklistRow): number {
  const t = row.triage;
  if (!t) return 1;
  const byFlag: Record<string, number> = { positive: 0, 'not-flagged': 2, 'not-assessed': 3 };
  return byFlag[t.flag ?? ''] ?? (t.state === 'error' ? 4 : 1);
}

function expectPriorityOrder(rows: WorklistRow[]): void {
  const rank = (row: WorklistRow) => row.triage?.score ?? row.triage?.maxProbability ?? -1;
  for (let k = 1; k < rows.length; k++) {
    const [a, b] = [rows[k - 1], rows[k]];
    expect(group(a)).toBeLessThanOrEqual(group(b));
    if (group(a) === group(b) && group(a) !== 1) expect(rank(a)).toBeGreaterThanOrEqual(rank(b));
  }
}

/** Threads of this process: every worker thread (and onnxruntime's pools inside them) is one. */
/** The process's thread count once it holds still: a disposed worker's thread can take a moment to exit. */
async function threadCount(): Promise<number> {
  const count = () => readdirSync('/proc/self/task').length;
  let last = count();
  for (let tries = 0; tries < 25; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = count();
    if (now === last) return now;
    last = now;
  }
  return last;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pleura-triage-service-'));
  const dataDir = path.join(dir, 'data');
  dicom = path.join(dir, 'dicom');
  const library = createModelLibrary(dataDir);
  modelRef = await writeDemoModel(path.join(dir, 'model'), { size: MODEL_SIZE });
  await library.installModel(path.join(dir, 'model'));
  await library.setCurrent(modelRef);
  await writePhantomSet({ out: path.join(dicom, 'first'), count: COUNT, seed: 5, size: IMAGE_SIZE, positiveFraction: 0.5 });
  services = createServices({ dataDir, shell: 'browser', version: 'test' });
  services.events.subscribe((event, payload) => events.push({ event, payload }));
  await handlers()['settings.update']({ autoTriage: false, engine: 'onnx', tta: 'none' });
  await handlers()['studies.scan']({ path: dicom });
  // A file damaged after the scan: indexed, but its pixels cannot be decoded.
  truncateSync(path.join(dicom, 'first', '0004.dcm'), 2000);
}, 120_000);

afterAll(async () => {
  await services?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the triage service', () => {
  it('lists every image as pending before any triage, and the worklist has no triage yet', async () => {
    const rows = await worklist();
    expect(rows).toHaveLength(COUNT);
    expect(rows.every((row) => row.triage === null)).toBe(true);
    const images = await handlers()['triage.images']({ studyInstanceUid: rows[0].studyInstanceUid });
    expect(images.map((image) => image.state)).toEqual(['pending']);
    expect(await handlers()['triage.status']({})).toEqual({ job: null });
  });

  it('queues every image, stores a verdict or an error for each, and orders the worklist by priority', async () => {
    events.length = 0;
    const job = await triage();
    expect(job).toMatchObject({ state: 'finished', total: COUNT, done: COUNT, failed: 1, models: [modelRef], error: null });
    expect(job.engine).toMatch(/^onnx/);
    expect(job.studies).toHaveLength(COUNT);
    expect(job.studies.every((study) => study.done === 1 && study.total === 1)).toBe(true);
    expect(job.msPerImage).toBeGreaterThan(0);
    expect((await handlers()['triage.status']({})).job).toEqual(job);

    const progress = events.filter((e) => e.event === 'triage.progress').map((e) => e.payload as TriageJob);
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.every((p) => p.jobId === job.jobId)).toBe(true);
    const changed = new Set(events.filter((e) => e.event === 'worklist.changed').flatMap((e) => (e.payload as ApiEvents['worklist.changed']).studyInstanceUids));
    expect(changed.size).toBe(COUNT);

    const rows = await worklist();
    expect(rows.every((row) => row.triage !== null)).toBe(true);
    expectPriorityOrder(rows);
    const broken = rows.at(-1)!;
    expect(broken.triage).toMatchObject({ state: 'error', flag: null, counts: { error: 1 } });
    const [failed] = await handlers()['triage.images']({ studyInstanceUid: broken.studyInstanceUid });
    expect(failed.state).toBe('error');
    expect(failed.error?.code).toBe('truncated');
    expect(failed.error?.message).toMatch(/inside Pixel Data/);

    const good = rows[0];
    const [image] = await handlers()['triage.images']({ studyInstanceUid: good.studyInstanceUid });
    expect(image).toMatchObject({ state: 'triaged', models: [modelRef], error: null, review: null });
    expect(image.flag).toMatch(/^(positive|not-flagged)$/);
    expect(image.maxProbability).toBeGreaterThan(0);
    expect(image.words).toMatch(image.flag === 'positive' ? /^Suspected pneumothorax$/ : /^Not flagged — peak \d\.\d\d/);
    // Pleura's own phantoms: no demonstration mark, whatever model made the result.
    expect(image.demonstrationModel).toBe(false);
    expect(good.triage).toMatchObject({ state: 'triaged', flag: image.flag, score: image.score, counts: { triaged: 1 }, reviewed: false });

    const overlay = await handlers()['triage.overlay']({ instanceId: image.instanceId });
    expect(overlay.heatmap).toMatchObject({ rows: MODEL_SIZE, columns: MODEL_SIZE });
    expect(overlay.heatmap.data).toHaveLength(MODEL_SIZE * MODEL_SIZE);
    expect(overlay.mask).toMatchObject({ rows: IMAGE_SIZE, columns: IMAGE_SIZE });
    expect(overlay.mask.data.some((v) => v === 1)).toBe(image.flag === 'positive');
    expect(overlay).toMatchObject({ maskSource: 'model', triage: image });
    await expect(handlers()['triage.overlay']({ instanceId: failed.instanceId })).rejects.toThrow(/has no triage result/);
  });

  it('takes only the failed image again while the model and rule stay the same, and then nothing', async () => {
    const again = await triage();
    expect(again).toMatchObject({ state: 'finished', total: 1, done: 1, failed: 1 });
    expect(await handlers()['triage.start']({ studyInstanceUids: (await worklist()).slice(0, 2).map((row) => row.studyInstanceUid) })).toMatchObject({
      state: 'finished',
      total: 0,
    });
  });

  it('marks verdicts stale when the rule changes, never passing their flags off as current, and re-triages them', async () => {
    await handlers()['settings.update']({ thresholds: { kind: 'custom', rule: FLAG_ALL } });
    const stale = await worklist();
    for (const row of stale.filter((r) => r.triage?.state !== 'error')) {
      expect(row.triage).toMatchObject({ state: 'stale', flag: null, words: 'Stale — re-triage', score: null, counts: { stale: 1 } });
      const [image] = await handlers()['triage.images']({ studyInstanceUid: row.studyInstanceUid });
      expect(image).toMatchObject({ state: 'stale', flag: null, models: [modelRef] });
    }
    expectPriorityOrder(stale);

    // Stale and failed images are taken again; the fresh verdicts are the new rule's.
    const job = await triage();
    expect(job).toMatchObject({ state: 'finished', total: COUNT, done: COUNT, failed: 1 });
    const rows = await worklist();
    expect(rows.slice(0, COUNT - 1).map((row) => row.triage?.flag)).toEqual(Array(COUNT - 1).fill('positive'));
    expect(rows.slice(0, COUNT - 1).every((row) => row.triage?.state === 'triaged')).toBe(true);
    expect(rows.at(-1)!.triage?.state).toBe('error');
    expectPriorityOrder(rows);
    const [image] = await handlers()['triage.images']({ studyInstanceUid: rows[0].studyInstanceUid });
    expect(image.rule).toEqual(FLAG_ALL);
  });

  it('averages an installed model into a weighted ensemble: refused when not installed, stale until triaged again', async () => {
    await expect(handlers()['settings.update']({ ensemble: [{ ref: 'pleura-demo@absent', weight: 1 }] })).rejects.toThrow(/not installed: pleura-demo@absent/);
    const library = createModelLibrary(path.join(dir, 'data'));
    const secondRef = await writeDemoModel(path.join(dir, 'second-model'), { version: 'second', size: MODEL_SIZE });
    await library.installModel(path.join(dir, 'second-model'));
    await handlers()['settings.update']({ ensemble: [{ ref: secondRef, weight: 2 }] });
    const stale = await worklist();
    expect(stale.filter((row) => row.triage?.state === 'stale')).toHaveLength(COUNT - 1);

    const job = await triage();
    expect(job).toMatchObject({ state: 'finished', total: COUNT, models: [modelRef, secondRef] });
    const [image] = await handlers()['triage.images']({ studyInstanceUid: (await worklist())[0].studyInstanceUid });
    expect(image).toMatchObject({ state: 'triaged', models: [modelRef, secondRef] });
    // Back to the current model alone: its earlier verdicts are stale again, and triaged afresh for what follows.
    await handlers()['settings.update']({ ensemble: [] });
    expect(await triage()).toMatchObject({ state: 'finished', models: [modelRef] });
  });

  it('cancels after the image in the model and puts the images it did not reach back as they were', async () => {
    const before = await worklist();
    const done = nextDone();
    const started = await handlers()['triage.start']({ force: true });
    expect(started.total).toBe(COUNT);
    expect(await handlers()['triage.cancel']({})).toEqual({ cancelled: true });
    const job = await done;
    expect(job.state).toBe('cancelled');
    expect(job.done).toBeLessThan(COUNT);
    const rows = await worklist();
    expect(rows.map((row) => [row.studyInstanceUid, row.triage?.flag, row.triage?.state])).toEqual(
      before.map((row) => [row.studyInstanceUid, row.triage?.flag, row.triage?.state]),
    );
    expect(await handlers()['triage.cancel']({})).toEqual({ cancelled: false });
  });

  it('never sends an image outside the intended use to a model: not assessed, with the reason; the setting is part of the configuration', async () => {
    const { intendedUse } = await handlers()['settings.get']({});
    await handlers()['settings.update']({ intendedUse: { ...intendedUse, views: ['AP'], absentView: false } });
    const rows = await worklist();
    expect(rows.map((row) => row.triage?.words)).toEqual(Array(COUNT).fill('Not assessed — view PA'));
    expect(rows.every((row) => row.triage?.flag === 'not-assessed' && row.triage.state === 'not-assessed')).toBe(true);
    const [image] = await handlers()['triage.images']({ studyInstanceUid: rows[0].studyInstanceUid });
    expect(image).toMatchObject({ state: 'not-assessed', flag: 'not-assessed', notAssessedReason: 'view PA', score: null, maxProbability: null });
    expect(await handlers()['triage.start']({ force: true })).toMatchObject({ state: 'finished', total: 0 });
    // Back to the default: the configuration the verdicts were made with, so they stand again.
    await handlers()['settings.update']({ intendedUse });
    expect((await worklist()).filter((row) => row.triage?.state === 'triaged')).toHaveLength(COUNT - 1);
  });

  it('triages the images a rescan adds when auto-triage is on, and only those', async () => {
    await handlers()['settings.update']({ autoTriage: true });
    await writePhantomSet({ out: path.join(dicom, 'second'), count: 2, seed: 6, size: IMAGE_SIZE, positiveFraction: 0.5 });
    const done = nextDone();
    await handlers()['studies.scan']({ path: dicom });
    const job = await done;
    expect(job).toMatchObject({ state: 'finished', total: 2, done: 2, failed: 0 });
    const rows = await worklist();
    expect(rows).toHaveLength(COUNT + 2);
    expect(rows.filter((row) => row.triage?.state === 'triaged')).toHaveLength(COUNT + 1);
  });

  it('frees the models and worker threads of every job', async () => {
    // The first job of a process starts threads that stay (libuv's pool): count from after one.
    await triage({ force: true });
    const threads = await threadCount();
    await triage({ force: true });
    expect(await threadCount()).toBe(threads);
  });
});

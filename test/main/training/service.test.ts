// The training service over a scripted stand-in for the trainer's worker (the only double): real model folders (a
// narrow AlbuNet current, as the runs' architecture with options; the runs' models light U-Nets, which the service
// handles alike and which write and load in a blink), the real model library, the real audit log, and the real
// held-out comparison — the validation fold of a tiny PNG pair folder, split as the trainer splits it, through the
// inference workers.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiArgs, type ApiEvents, type TrainingRun } from '../../../main/api/contract';
import { createDispatch } from '../../../main/api/dispatch';
import { EventHub } from '../../../main/api/events';
import { createModelLibrary } from '../../../main/models/model-library';
import { defaultThresholds } from '../../../ml/io/model-card';
import { writeModelSet } from '../../../ml/io/model-set';
import { saveLabel } from '../../../main/labels/label-store';
import { createTrainingService, positionOf, stageOffsets } from '../../../main/training/service';
import { auditLogIn } from '../../fixtures/audit-log';
import { writePngPairs } from '../../fixtures/png-pairs';
import { ScriptedTrainer } from '../../fixtures/scripted-trainer';
import { NARROW_ALBUNET, writeSmallModel } from '../../fixtures/small-models';

const root = mkdtempSync(path.join(tmpdir(), 'pleura-training-service-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const dataDir = path.join(root, 'data');
const SIDE = 64;

const trainer = new ScriptedTrainer(SIDE, { arch: 'unet-light', seed: 0 });
const events = new EventHub();
const received: { [E in keyof ApiEvents]?: ApiEvents[E][] } = {};
events.subscribe((event, payload) => ((received[event] ??= []) as unknown[]).push(payload));
const library = createModelLibrary(dataDir);
const audit = auditLogIn(dataDir);
const service = createTrainingService({
  dataDir,
  events,
  library,
  audit,
  reviewer: () => 'Dr Test',
  startTrainer: trainer.start,
  defaultArch: 'albunet',
  throttleMs: 150,
});
const { handlers } = service;
const dispatch = createDispatch(handlers as never);
const pngFolder = writePngPairs(path.join(root, 'pngs'), 6, SIDE);
const request = { data: { kind: 'png-pairs' as const, folder: pngFolder }, plan: 'quick' as const, start: 'current-model' as const, epochs: 3 };
const auditActions = () => audit.list().map((entry) => entry.action).reverse();

const nextDone = () => new Promise<TrainingRun>((resolve) => {
  const stop = events.subscribe((event, payload) => {
    if (event !== 'training.done') return;
    stop();
    resolve(payload as TrainingRun);
  });
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let initialRef: string;
beforeAll(async () => {
  const src = path.join(root, 'installed-first');
  await writeSmallModel(src, { ...NARROW_ALBUNET, seed: 7 }, SIDE);
  initialRef = (await library.installModel(src)).ref;
  await library.setCurrent(initialRef);
});
afterAll(() => service.close());

describe('the training service', () => {
  let firstRun: TrainingRun;

  it('starts one run at a time from the current model (weights, architecture, options, size), writing under <dataDir>/training/<runId>/', async () => {
    expect((await handlers['training.status']({})).run).toBeNull();
    firstRun = await handlers['training.start'](request);
    expect(firstRun).toMatchObject({ state: 'running', startedFrom: initialRef, size: SIDE, end: null, resumable: false });
    const config = trainer.configs[0];
    const current = (await library.currentModel())!;
    expect(config).toMatchObject({ arch: 'albunet', archOptions: current.card.architecture.options, init: current.dir, plan: 'quick', size: SIDE, epochs: 3, resume: false, data: request.data, folds: 5, fold: 0, dataDir });
    expect(config.out.startsWith(path.join(dataDir, 'training', firstRun.runId) + path.sep)).toBe(true);
    expect(JSON.parse(readFileSync(path.join(dataDir, 'training', firstRun.runId, 'run.json'), 'utf8')).state).toBe('running');
    await expect(handlers['training.start'](request)).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining('still running') });
  });

  it('throttles progress events and keeps the curve history for a reloaded page', async () => {
    for (let step = 1; step <= 30; step++) trainer.report(1, step);
    expect(received['training.progress']).toHaveLength(1);
    await sleep(400);
    const progress = received['training.progress']!;
    expect(progress).toHaveLength(2);
    expect(progress[1].progress).toMatchObject({ stage: 'fine-tune', stageIndex: 0, stages: 1, epoch: 1, step: 30, epochs: 3, runId: firstRun.runId });
    // the second point's loss is the mean of the 29 reports since the first
    const means = [1 / 11, [...Array(29)].map((_, i) => 1 / (12 + i)).reduce((a, b) => a + b) / 29];
    expect(progress.map((event) => event.points[0].loss)).toEqual(means.map((m) => expect.closeTo(m, 10)));
    // Validation ends an epoch and is sent at once.
    trainer.report(1, 40, { valDice: 0.5 });
    expect(progress).toHaveLength(3);
    expect(progress[2].points[0]).toMatchObject({ at: 1, valDice: 0.5 });
    const { run } = await handlers['training.status']({});
    expect(run!.history).toEqual(progress.flatMap((event) => event.points));
    expect(run!.progress).toMatchObject({ valDice: 0.5, etaSeconds: 30 });
  });

  it('cancels, then resumes the same run folder from its checkpoint', async () => {
    const done = nextDone();
    expect(await handlers['training.cancel']({})).toEqual({ cancelled: true });
    const cancelled = await done;
    expect(cancelled).toMatchObject({ runId: firstRun.runId, state: 'cancelled', resumable: true, error: null, end: { kind: 'cancelled', text: 'Cancelled by the user.' } });
    expect(await handlers['training.cancel']({})).toEqual({ cancelled: false });

    const resumed = await handlers['training.resume']({});
    expect(resumed).toMatchObject({ runId: firstRun.runId, state: 'running', end: null, resumable: false });
    expect(trainer.configs[1]).toEqual({ ...trainer.configs[0], resume: true });
    // The trainer goes on from its last checkpoint: points past it are drawn again, not twice.
    await sleep(200);
    trainer.report(1, 5);
    const { run } = await handlers['training.status']({});
    expect(run!.history.at(-1)!.at).toBe(positionOf({ stage: 0, epoch: 1, step: 5, stepsInEpoch: 40 }, stageOffsets('quick', 3)));
    expect(run!.history.every((point, i, all) => i === 0 || point.at > all[i - 1].at)).toBe(true);
  });

  it('compares the finished model with the current one on the held-out images, then promotes it atomically', async () => {
    const done = nextDone();
    await trainer.finish();
    const finished = await done;
    expect(finished).toMatchObject({ state: 'finished', error: null, end: { kind: 'completed', text: 'Finished all 3 epochs.' } });
    const { comparison, candidate } = finished;
    expect(candidate).toBe('test-unet-light@100');
    // the validation fold of the six PNG pairs (each its own patient), split as the trainer splits them
    const images = comparison!.images;
    expect(images).toBeGreaterThanOrEqual(1);
    expect(comparison).toMatchObject({ patients: images, current: { ref: initialRef, images }, candidate: { images } });
    for (const score of [comparison!.candidate, comparison!.current!]) {
      expect(score.meanDice).toBeGreaterThanOrEqual(0);
      expect(score.meanDice).toBeLessThanOrEqual(1);
    }
    const difference = comparison!.diceDifference!;
    expect(difference.estimate).toBeCloseTo(comparison!.candidate.meanDice - comparison!.current!.meanDice, 10);
    expect(difference.resamples).toBe(2000);
    if (images < 2) expect(difference.interval).toBeNull();
    else expect(difference.interval!.low).toBeLessThanOrEqual(difference.interval!.high);
    const { interval } = difference;
    expect(comparison!.verdict).toBe(interval === null ? 'undecided' : interval.low > 0 ? 'better' : interval.high < 0 ? 'worse' : 'undecided');
    expect((await library.currentModel())!.ref).toBe(initialRef);

    const promoted = await handlers['models.promote']({ runId: finished.runId });
    expect(promoted).toMatchObject({ ref: 'test-unet-light@100', current: true });
    expect((await library.currentModel())!.ref).toBe('test-unet-light@100');
    const list = await handlers['models.list']({});
    expect(list.map((m) => [m.ref, m.current, m.card?.architecture.name])).toEqual([
      ['test-unet-light@100', true, 'unet-light'],
      [initialRef, false, 'albunet'],
    ].sort());
    await expect(handlers['models.promote']({ runId: finished.runId })).rejects.toMatchObject({ code: 'invalid-argument' });
  }, 60_000);

  it('restores an earlier version as current', async () => {
    expect(await handlers['models.restore']({ ref: initialRef })).toMatchObject({ ref: initialRef, current: true });
    expect((await library.currentModel())!.ref).toBe(initialRef);
    await expect(handlers['models.restore']({ ref: 'nothing@here' })).rejects.toMatchObject({ code: 'not-found', message: expect.stringContaining('not installed') });
  });

  it('discards a finished run by deleting its model, leaving the installed models alone', async () => {
    const run = await handlers['training.start'](request);
    const done = nextDone();
    await trainer.finish();
    const finished = await done;
    expect(existsSync(trainer.configs.at(-1)!.out)).toBe(true);
    expect(await handlers['models.discard']({ runId: run.runId })).toEqual({ discarded: true });
    expect(existsSync(trainer.configs.at(-1)!.out)).toBe(false);
    expect((await handlers['training.status']({})).run).toMatchObject({ state: 'discarded' });
    expect((await handlers['models.list']({})).map((m) => m.ref)).toEqual(['test-unet-light@100', initialRef].sort());
    expect(finished.comparison!.current!.ref).toBe(initialRef);
  }, 60_000);

  it('reports a failed run with its reason; one that never checkpointed cannot be resumed, one that did can', async () => {
    const early = await handlers['training.start'](request);
    const earlyDone = nextDone();
    trainer.fail('out of memory: use a smaller size');
    expect(await earlyDone).toMatchObject({
      runId: early.runId,
      state: 'failed',
      error: 'out of memory: use a smaller size',
      end: { kind: 'failed', text: 'Failed: out of memory: use a smaller size' },
      resumable: false,
    });
    await expect(handlers['training.resume']({ runId: early.runId })).rejects.toMatchObject({ code: 'invalid-argument', message: expect.stringContaining('before it wrote its first checkpoint') });

    const later = await handlers['training.start'](request);
    trainer.report(1, 40, { valDice: 0.3 });
    const laterDone = nextDone();
    trainer.fail('the disk is full');
    expect(await laterDone).toMatchObject({ runId: later.runId, state: 'failed', resumable: true });
    await handlers['training.resume']({ runId: later.runId });
    const resumedDone = nextDone();
    trainer.fail('again');
    await resumedDone;
  });

  it('starts from scratch when asked: the default architecture at the size asked, no starting weights', async () => {
    const run = await handlers['training.start']({ ...request, start: 'scratch', size: 512 });
    expect(run).toMatchObject({ startedFrom: null, size: 512 });
    expect(trainer.configs.at(-1)).toMatchObject({ arch: 'albunet', size: 512 });
    expect(trainer.configs.at(-1)!.init).toBeUndefined();
    const done = nextDone();
    await handlers['training.cancel']({});
    await done;
    await expect(handlers['training.start']({ ...request, size: 512 })).rejects.toMatchObject({ code: 'invalid-argument', message: expect.stringContaining(`keeps its input size, ${SIDE} × ${SIDE}`) });
    await expect(handlers['training.start']({ ...request, arch: 'unet-light' })).rejects.toMatchObject({ code: 'invalid-argument', message: expect.stringContaining('trains its architecture, albunet') });
  });

  it('records runs, their ends, promotions, discards and restores in the audit log, by the reviewer', () => {
    const entries = audit.list();
    expect(entries.every((entry) => entry.who === 'Dr Test' && entry.sopInstanceUid === null)).toBe(true);
    expect(auditActions()).toEqual([
      ...['train-start', 'train-end', 'train-resume', 'train-end', 'promote', 'restore'],
      ...['train-start', 'train-end', 'discard'],
      ...['train-start', 'train-end', 'train-start', 'train-end', 'train-resume', 'train-end'],
      ...['train-start', 'train-end'],
    ]);
    const promote = entries.find((entry) => entry.action === 'promote')!;
    expect(promote).toMatchObject({ models: ['test-unet-light@100', initialRef], detail: expect.stringContaining(`test-unet-light@100 made current, replacing ${initialRef}`) });
    const firstEnd = entries.filter((entry) => entry.action === 'train-end').at(-1)!;
    expect(firstEnd.detail).toBe(`run ${firstRun.runId} ended: Cancelled by the user.`);
    expect(entries.filter((entry) => entry.action === 'train-start').at(-1)!.detail).toMatch(new RegExp(`started from ${initialRef}: plan quick, 3 epochs at 64 px on the PNG pairs in `));
  });

  it('refuses data with too few patients for the folds before starting, in plain words', async () => {
    const three = writePngPairs(path.join(root, 'three-pngs'), 3, SIDE);
    const started = trainer.configs.length;
    await expect(handlers['training.start']({ ...request, data: { kind: 'png-pairs', folder: three } })).rejects.toMatchObject({
      code: 'invalid-argument',
      message:
        'Training needs image/mask pairs of at least 5 patients (split by patient into 5 folds, one held out to compare the new model with the current one); the folder has 3 (each pair counts as a patient).',
    });
    for (const [k, patientId] of ['P1', 'P1', 'P2', null].entries()) {
      const mask = { rows: 4, columns: 4, data: new Uint8Array(16) };
      await saveLabel(dataDir, { sopInstanceUid: `1.2.3.${k}`, studyInstanceUid: '1.2.3', patientId, imagePath: path.join(root, `${k}.dcm`), reviewer: 'Dr Test', decision: 'confirmed', mask });
    }
    await expect(handlers['training.start']({ ...request, data: { kind: 'reviewed' } })).rejects.toMatchObject({
      code: 'invalid-argument',
      message: expect.stringMatching(/^Training needs reviewed images of at least 5 patients \(.*\); you have 3\.$/),
    });
    await expect(handlers['training.start']({ ...request, data: { kind: 'png-pairs', folder: root } })).rejects.toMatchObject({
      code: 'invalid-argument',
      message: expect.stringContaining('has no images/ folder'),
    });
    expect(trainer.configs).toHaveLength(started);
  });

  it('passes the unlabelled studies and the method on to the run, and audits them', async () => {
    const semi = { method: 'mean-teacher' as const, unlabelled: { kind: 'local-studies' as const } };
    await handlers['training.start']({ ...request, semi });
    expect(trainer.configs.at(-1)!.semi).toEqual(semi);
    const done = nextDone();
    await handlers['training.cancel']({});
    await done;
    expect(JSON.stringify(audit.list())).toContain("with the workstation's studies without a reviewed mask (mean-teacher)");
    const missing = await dispatch('training.start', { ...request, semi: { method: 'pseudo-labels', unlabelled: { kind: 'dicom-folder', folder: path.join(root, 'no-such-folder') } } });
    expect(missing).toMatchObject({ ok: false, error: { code: 'invalid-argument', message: expect.stringContaining('does not exist') } });
  });

  it('rejects data it cannot read, naming the path', async () => {
    const file = path.join(root, 'labels.csv');
    writeFileSync(file, 'ImageId, EncodedPixels\n');
    mkdirSync(path.join(root, 'dicom'), { recursive: true });
    const start = (data: object) => dispatch('training.start', { ...request, data });
    const cases: [object, string][] = [
      [{ kind: 'png-pairs', folder: 'relative/pngs' }, 'must be an absolute path'],
      [{ kind: 'png-pairs', folder: path.join(root, 'missing') }, 'does not exist'],
      [{ kind: 'dicom-folder', folder: file, labels: file }, 'is a file, not a folder'],
      [{ kind: 'dicom-folder', folder: path.join(root, 'dicom'), labels: path.join(root, 'dicom') }, 'mask table'],
    ];
    for (const [data, message] of cases) {
      const outcome = await start(data);
      expect(outcome).toMatchObject({ ok: false, error: { code: 'invalid-argument', message: expect.stringContaining(message) } });
    }
  });
});

describe('the training and models contract', () => {
  it('rejects invalid arguments before they reach the service', async () => {
    const invalid: [string, unknown][] = [
      ['training.start', { ...request, size: 300 }],
      ['training.start', { ...request, plan: 'fast' }],
      ['training.start', { ...request, start: 'later' }],
      ['training.start', { ...request, epochs: 0 }],
      ['training.start', { ...request, data: { kind: 'dicom-folder', folder: '/x' } }],
      ['training.start', { ...request, data: { kind: 'somewhere' } }],
      ['training.start', { ...request, extra: true }],
      ['training.start', { plan: 'quick', size: 256, epochs: 1 }],
      ['training.resume', { runId: '../etc' }],
      ['models.promote', {}],
      ['models.discard', { runId: '' }],
      ['models.restore', { ref: 5 }],
      ['training.cancel', { now: true }],
    ];
    for (const [method, args] of invalid) {
      expect(Object.hasOwn(apiArgs, method)).toBe(true);
      const outcome = await dispatch(method, args);
      expect(outcome, `${method} ${JSON.stringify(args)}`).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    }
  });
});

describe('a model set in the training service', () => {
  const setData = path.join(root, 'set-data');
  const setLibrary = createModelLibrary(setData);
  const setAudit = auditLogIn(setData);
  const setEvents = new EventHub();
  const setService = createTrainingService({ dataDir: setData, events: setEvents, library: setLibrary, audit: setAudit, reviewer: () => 'Dr Test', startTrainer: trainer.start, defaultArch: 'albunet' });
  afterAll(() => setService.close());
  let singleRef: string;

  beforeAll(async () => {
    // Light U-Nets: a set's members need not share the runs' architecture, and these write and load in a blink.
    const members = [path.join(root, 'set-src', 'a'), path.join(root, 'set-src', 'b')];
    await writeSmallModel(members[0], { arch: 'unet-light', seed: 1 }, SIDE);
    await writeSmallModel(members[1], { arch: 'unet-light', seed: 2 }, SIDE);
    const setDir = path.join(root, 'set-src', 'mean');
    await writeModelSet(setDir, {
      card: { format: 'pleura-model-set', formatVersion: 1, id: 'mean', version: '1', createdAt: new Date().toISOString(), tool: 'pleura 0.1.0', notes: '', combination: { kind: 'average', thresholds: defaultThresholds() } },
      members: members.map((dir) => ({ dir, role: 'segmentation' as const, weight: 1 })),
    });
    await setLibrary.installUnit(setDir);
    singleRef = (await setLibrary.installModel(members[0])).ref;
    await setLibrary.setCurrent(singleRef);
  }, 60_000);

  it('makes a set current as one unit through restore, and a model current again in its place', async () => {
    const restored = await setService.handlers['models.restore']({ ref: 'mean@1' });
    expect(restored).toMatchObject({ ref: 'mean@1', current: true, card: null, error: null, set: { id: 'mean', combination: { kind: 'average' } } });
    expect(restored.set && restored.members.map((m) => m.card.architecture.name)).toEqual(['unet-light', 'unet-light']);
    expect((await setLibrary.currentUnit())!.ref).toBe('mean@1');
    expect((await setService.handlers['models.list']({})).filter((m) => m.current).map((m) => m.ref)).toEqual(['mean@1']);

    expect(await setService.handlers['models.restore']({ ref: singleRef })).toMatchObject({ ref: singleRef, current: true, error: null, card: { id: 'test-unet-light' } });
    expect(setAudit.list().map((entry) => [entry.action, entry.models, entry.detail]).reverse()).toEqual([
      ['restore', ['mean@1', singleRef], `mean@1 made current again, replacing ${singleRef}`],
      ['restore', [singleRef, 'mean@1'], `${singleRef} made current again, replacing mean@1`],
    ]);
  });

  it('refuses to fine-tune a current set: a run starts from one model', async () => {
    await setService.handlers['models.restore']({ ref: 'mean@1' });
    const started = trainer.configs.length;
    await expect(setService.handlers['training.start'](request)).rejects.toThrow('mean@1 is a model set (several models and how they combine), not one model');
    expect(trainer.configs).toHaveLength(started);
  });

  it('compares a run from scratch with the current set as triage runs it: both members, averaged, at the set\'s rule', async () => {
    await setService.handlers['models.restore']({ ref: 'mean@1' });
    const done = new Promise<TrainingRun>((resolve) => {
      const stop = setEvents.subscribe((event, payload) => {
        if (event !== 'training.done') return;
        stop();
        resolve(payload as TrainingRun);
      });
    });
    await setService.handlers['training.start']({ ...request, start: 'scratch' });
    await trainer.finish();
    const finished = await done;
    expect(finished).toMatchObject({ state: 'finished', error: null });
    expect(finished.comparison).toMatchObject({ current: { ref: 'mean@1', images: finished.comparison!.images }, diceDifference: { resamples: 2000 } });
  }, 60_000);
});

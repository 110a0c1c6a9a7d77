// training.start names files and folders for the trainer to read, and the API may be driven by anyone who reaches
// it: a FIFO, /dev/zero, a huge file, a system folder or any file at all as the mask table. Each is refused at once
// with a message that names the path and never quotes the file; a secret file's first line never reaches the run's
// status. Run folders are the training folder's own: a planted link or an edited run.json aims nothing elsewhere.
// A cancel always ends a run and close() always returns.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingRun } from '../../../main/api/contract';
import { createDispatch } from '../../../main/api/dispatch';
import { EventHub } from '../../../main/api/events';
import { createModelLibrary } from '../../../main/models/model-library';
import { createTrainingService, type StartTrainer } from '../../../main/training/service';
import { CHECKPOINTS_FOLDER } from '../../../main/training/run-training';
import { superviseTrainingWorker, TRAINING_TERMINATED, TrainingWorkerError, type TrainingJob } from '../../../main/training/start-worker';
import { stepCheckpointName } from '../../../ml/train/checkpoint';
import { auditLogIn } from '../../fixtures/audit-log';
import { writePngPairs } from '../../fixtures/png-pairs';
import { writeTrainingFolder, type TrainingFolder } from '../../fixtures/training-folder';

const root = mkdtempSync(path.join(tmpdir(), 'pleura-untrusted-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const fifo = path.join(root, 'labels.fifo');
const sparse = path.join(root, 'huge.csv');
const secret = path.join(root, 'secret.txt');
const SECRET = 'root:$6$do-not-echo-this-hash:19000:0:99999';
const pngs = writePngPairs(path.join(root, 'pngs'), 5, 64);
let siim: TrainingFolder;

beforeAll(async () => {
  siim = await writeTrainingFolder(root, 10, 64);
  execFileSync('mkfifo', [fifo]);
  writeFileSync(sparse, '');
  truncateSync(sparse, 100 * 2 ** 30);
  writeFileSync(secret, `${SECRET}\nsecond line\n`);
}, 60_000);

/**
 * A trainer stand-in: the runs it was asked to start, each a job the test settles (or never does), each with a
 * checkpoint folder as a run that trained a step has.
 */
function standInTrainer(onCancel: (reject: (error: Error) => void) => void = () => {}) {
  const started: TrainingJob[] = [];
  const start: StartTrainer = (config) => {
    mkdirSync(path.join(config.out, CHECKPOINTS_FOLDER, stepCheckpointName(1)), { recursive: true });
    let reject: (error: Error) => void = () => {};
    const done = new Promise<never>((_, rej) => (reject = rej));
    const job = { onProgress: () => () => {}, done, cancel: () => onCancel(reject) };
    started.push(job);
    return job;
  };
  return { start, started };
}

function serviceWith(startTrainer: StartTrainer, name: string, closeWaitMs?: number) {
  const dataDir = path.join(root, name);
  const events = new EventHub();
  const service = createTrainingService({ dataDir, events, library: createModelLibrary(dataDir), audit: auditLogIn(dataDir), reviewer: () => 'Dr Test', startTrainer, closeWaitMs });
  const done = () => new Promise<TrainingRun>((resolve) => events.subscribe((event, payload) => event === 'training.done' && resolve(payload as TrainingRun)));
  return { dataDir, service, dispatch: createDispatch(service.handlers as never), done };
}

const request = (data: object) => ({ data, plan: 'quick', start: 'scratch', size: 256, epochs: 1 });

describe('training.start refuses what it must not read', () => {
  const { dispatch } = serviceWith(standInTrainer().start, 'refusing');
  const labels = (file: string) => request({ kind: 'dicom-folder', folder: siim.folder, labels: file });
  const link = path.join(root, 'zero-link.csv');

  it.each([
    ['a FIFO', () => labels(fifo), /mask table ".*labels\.fifo" is a FIFO \(named pipe\), not a regular file/],
    ['/dev/zero', () => labels('/dev/zero'), /is \(or is inside\) \/dev, a system folder/],
    ['a link to /dev/zero', () => labels(link), /is \(or is inside\) \/dev, a system folder/],
    ['a huge (sparse) file', () => labels(sparse), /is 107374182400 bytes, more than the 64 MiB Pleura reads/],
    ['a file under /proc', () => labels('/proc/self/environ'), /\/proc, a system folder/],
    ['the root as the DICOM folder', () => request({ kind: 'dicom-folder', folder: '/', labels: siim.labels }), /DICOM folder "\/" is \(or is inside\) \/, the root of a file system/],
    ['/sys as the PNG folder', () => request({ kind: 'png-pairs', folder: '/sys/kernel' }), /PNG folder "\/sys\/kernel" is \(or is inside\) \/sys/],
  ])('%s, at once and with a 400', async (_, args, message) => {
    if (!existsSync(link)) symlinkSync('/dev/zero', link);
    const started = performance.now();
    const outcome = await dispatch('training.start', args());
    expect(outcome).toMatchObject({ ok: false, error: { code: 'invalid-argument', message: expect.stringMatching(message) } });
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('training.resume checks the data again', () => {
  it('refuses a run whose mask table became a FIFO since it began', async () => {
    const trainer = standInTrainer((reject) => reject(new Error('training cancelled')));
    const { dispatch, done } = serviceWith(trainer.start, 'resume');
    const labels = path.join(root, 'resume-labels.csv');
    writeFileSync(labels, readFileSync(siim.labels));
    const ended = done();
    const started = await dispatch('training.start', request({ kind: 'dicom-folder', folder: siim.folder, labels }));
    expect(started.ok).toBe(true);
    await dispatch('training.cancel', {});
    expect(await ended).toMatchObject({ state: 'cancelled', resumable: true });
    rmSync(labels);
    execFileSync('mkfifo', [labels]);
    const outcome = await dispatch('training.resume', {});
    expect(outcome).toMatchObject({ ok: false, error: { code: 'invalid-argument', message: expect.stringContaining('is a FIFO (named pipe), not a regular file') } });
    expect(trainer.started).toHaveLength(1);
  });
});

describe("a refusal never quotes the files it read", () => {
  it('a secret file named as the mask table is refused before the run starts, without its first line', async () => {
    const trainer = standInTrainer();
    const { service, dispatch } = serviceWith(trainer.start, 'secret');
    const outcome = await dispatch('training.start', request({ kind: 'dicom-folder', folder: siim.folder, labels: secret }));
    expect(outcome).toMatchObject({ ok: false, error: { code: 'invalid-argument', message: `${secret}: line 1: not a mask table: expected the header "ImageId,EncodedPixels"` } });
    expect(JSON.stringify(outcome)).not.toContain('do-not-echo');
    expect(trainer.started).toHaveLength(0);
    await service.close();
  });
});

describe('cancel and close always end a run', () => {
  it('a run stopped by force after a cancel is cancelled and says so', async () => {
    const terminated = new TrainingWorkerError(TRAINING_TERMINATED, 'the run did not stop within 30 s of the cancel (stuck reading its data or in a long step), so it was stopped by force');
    const { service, dispatch, done } = serviceWith(standInTrainer((reject) => reject(terminated)).start, 'forced');
    await dispatch('training.start', request({ kind: 'png-pairs', folder: pngs }));
    const ended = done();
    expect(await dispatch('training.cancel', {})).toEqual({ ok: true, result: { cancelled: true } });
    expect(await ended).toMatchObject({ state: 'cancelled', error: terminated.message, resumable: true });
    await service.close();
  });

  it('close() stops a run that ignores the cancel by force, within the time serve allows, and records it', async () => {
    const stuck = () => superviseTrainingWorker(new Worker(`require('node:worker_threads').parentPort.on('message', () => {}); for (;;) {}`, { eval: true }));
    const { dataDir, service, dispatch } = serviceWith(stuck, 'sigterm');
    const started = await dispatch('training.start', request({ kind: 'png-pairs', folder: pngs }));
    const before = performance.now();
    await service.close();
    expect(performance.now() - before).toBeLessThan(7000);
    const { runId } = (started as { result: TrainingRun }).result;
    expect(JSON.parse(readFileSync(path.join(dataDir, 'training', runId, 'run.json'), 'utf8'))).toMatchObject({ state: 'cancelled', error: expect.stringContaining('stopped by force') });
  }, 15_000);

  it('close() returns within its bound even when the run never ends', async () => {
    const { service, dispatch } = serviceWith(standInTrainer().start, 'stuck', 300);
    await dispatch('training.start', request({ kind: 'png-pairs', folder: pngs }));
    const started = performance.now();
    await service.close();
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('run folders stay inside the training folder', () => {
  /** A finished run written by hand, as a later session would find it. */
  function writeRun(dataDir: string, runId: string, modelDir: string, at = path.join(dataDir, 'training', runId)): void {
    mkdirSync(path.join(at, 'model'), { recursive: true });
    writeFileSync(path.join(at, 'model', 'card.json'), '{}');
    const record = { runId: 'not-its-folder', request: request({ kind: 'reviewed' }), state: 'finished', startedAt: new Date().toISOString(), error: null, candidate: 'x@1', comparison: null, config: {}, modelDir };
    writeFileSync(path.join(at, 'run.json'), JSON.stringify(record));
  }

  it("discarding deletes the run's own model folder, never the one an edited run.json names", async () => {
    const { dataDir, dispatch } = serviceWith(standInTrainer().start, 'edited');
    const victim = path.join(root, 'victim');
    mkdirSync(victim);
    writeRun(dataDir, '20260101-000000-aaaaaa', victim);
    expect(await dispatch('models.discard', { runId: '20260101-000000-aaaaaa' })).toEqual({ ok: true, result: { discarded: true } });
    expect(existsSync(victim)).toBe(true);
    expect(existsSync(path.join(dataDir, 'training', '20260101-000000-aaaaaa', 'model'))).toBe(false);
    expect(JSON.parse(readFileSync(path.join(dataDir, 'training', '20260101-000000-aaaaaa', 'run.json'), 'utf8'))).toMatchObject({ runId: '20260101-000000-aaaaaa', state: 'discarded' });
  });

  it('a run folder that is a link to elsewhere is neither deleted from nor written to', async () => {
    const { dataDir, dispatch } = serviceWith(standInTrainer().start, 'linked');
    const elsewhere = path.join(root, 'elsewhere-run');
    // Its run.json names the model folder where it should be: only the link leads elsewhere.
    writeRun(dataDir, 'unused', path.join(dataDir, 'training', '20260101-000000-bbbbbb', 'model'), elsewhere);
    mkdirSync(path.join(dataDir, 'training'), { recursive: true });
    symlinkSync(elsewhere, path.join(dataDir, 'training', '20260101-000000-bbbbbb'));
    const before = readFileSync(path.join(elsewhere, 'run.json'), 'utf8');
    const outcome = await dispatch('models.discard', { runId: '20260101-000000-bbbbbb' });
    expect(outcome).toMatchObject({ ok: false, error: { message: expect.stringMatching(/refusing to write .* outside/) } });
    expect(existsSync(path.join(elsewhere, 'model', 'card.json'))).toBe(true);
    expect(readFileSync(path.join(elsewhere, 'run.json'), 'utf8')).toBe(before);
  });
});

// A cancel always ends a training run: the worker is asked to stop, and terminated when it does not within the grace
// period (stuck in a read or a long synchronous step). Stand-in workers play the run; the real one is the CLI's test.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { superviseTrainingWorker, TRAINING_TERMINATED } from '../../../main/training/start-worker';

const GRACE_MS = 200;

/** A worker from source text, with the training worker's port protocol. */
const workerOf = (source: string) => new Worker(`const { parentPort } = require('node:worker_threads');\n${source}`, { eval: true });
const exited = (worker: Worker) => new Promise<number>((resolve) => worker.once('exit', resolve));

describe('superviseTrainingWorker', () => {
  it('a run that honours the cancel ends with its own error, and is not terminated', async () => {
    const worker = workerOf(`parentPort.on('message', () => {
      parentPort.postMessage({ type: 'error', error: { name: 'TrainingCancelledError', message: 'training cancelled; resume from ckpt' } });
      parentPort.close();
    });`);
    const job = superviseTrainingWorker(worker);
    const exit = exited(worker);
    // A long grace: on a loaded machine a new worker may take longer than GRACE_MS just to start.
    job.cancel(60_000);
    await expect(job.done).rejects.toMatchObject({ name: 'TrainingCancelledError', message: 'training cancelled; resume from ckpt' });
    expect(await exit).toBe(0);
  });

  it.each([
    ['ignores the cancel while it waits', `parentPort.on('message', () => {}); setInterval(() => {}, 1000); parentPort.postMessage({ type: 'ready' });`],
    ['is stuck in a synchronous loop', `parentPort.postMessage({ type: 'ready' }); for (;;) {}`],
  ])('a run that %s is terminated after the grace period, and says so', async (_, source) => {
    const worker = workerOf(source);
    await new Promise((resolve) => worker.once('message', resolve));
    const job = superviseTrainingWorker(worker);
    const exit = exited(worker);
    const started = performance.now();
    job.cancel(GRACE_MS);
    job.cancel(GRACE_MS);
    await expect(job.done).rejects.toMatchObject({ name: TRAINING_TERMINATED, message: expect.stringContaining('did not stop within 0.2 s of the cancel') });
    expect(performance.now() - started).toBeGreaterThanOrEqual(GRACE_MS - 5);
    expect(await exit).toBe(1);
  });

  it('passes progress on, and a run that finishes is not cancelled by a late cancel', async () => {
    const worker = workerOf(`parentPort.postMessage({ type: 'progress', progress: { step: 1 } });
      parentPort.postMessage({ type: 'done', result: { modelDir: '/m' } });
      parentPort.close();`);
    const job = superviseTrainingWorker(worker);
    const steps: unknown[] = [];
    job.onProgress((progress) => steps.push(progress));
    expect(await job.done).toEqual({ modelDir: '/m' });
    job.cancel();
    expect(steps).toEqual([{ step: 1 }]);
  });
});

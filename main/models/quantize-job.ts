// startQuantizeWorker: quantizeModelFolder in its own worker thread, for the workstation (main/workers/job-worker.ts:
// progress as callbacks, and a cancel that always ends the job).
import { spawnWorker } from '../workers/spawn';
import { superviseJob, type SupervisedJob } from '../workers/job-worker';
import type { QuantizeOutcome, QuantizeProgress, QuantizeRequest } from './quantize-model';

/** What crosses into the worker: the request without its callbacks. */
export type QuantizeWorkerData = { request: Omit<QuantizeRequest, 'onProgress' | 'signal'> };

export type QuantizeJob = Pick<SupervisedJob<QuantizeProgress, QuantizeOutcome>, 'done' | 'cancel'>;

export type StartQuantizeJob = (request: QuantizeWorkerData['request'], onProgress: (progress: QuantizeProgress) => void) => QuantizeJob;

/** An error from the worker with the name it had there (AbortError, QuantizeInputError, ModelFolderError, …). */
export class QuantizeWorkerError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** Long enough for one calibration image of AlbuNet at 1024 on a slow CPU. */
export const CANCEL_GRACE_MS = 30_000;

export const startQuantizeWorker: StartQuantizeJob = (request, onProgress) => {
  const job = superviseJob<QuantizeProgress, QuantizeOutcome>(spawnWorker('models/quantize.worker', { workerData: { request } satisfies QuantizeWorkerData }), {
    worker: 'the quantization worker',
    errorOf: (name, message) => new QuantizeWorkerError(name, message),
    terminated: (seconds) => new QuantizeWorkerError('AbortError', `the quantization did not stop within ${seconds} s of the cancel, so it was stopped by force`),
    graceMs: CANCEL_GRACE_MS,
  });
  job.onProgress(onProgress);
  return job;
};

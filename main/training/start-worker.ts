// startTrainingWorker: a training run in its own worker thread, for the CLI and the settings service. Progress
// arrives as events; cancel() asks the run to checkpoint and stop (done then rejects with a TrainingCancelled
// error naming the checkpoint to resume from). A run that does not stop within a grace period (stuck reading its
// data, or in one long synchronous step) has its thread terminated: a cancel always ends the run.
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../workers/spawn';
import type { TrainingProgress } from '../../ml/train/trainer';
import { superviseJob, type SupervisedJob } from '../workers/job-worker';
import type { TrainingWorkerData } from './protocol';
import type { TrainingConfig, TrainingResult } from './run-training';

/** A run's progress and outcome; cancel(graceMs = CANCEL_GRACE_MS) asks it to checkpoint and stop. */
export type TrainingJob = SupervisedJob<TrainingProgress, TrainingResult>;

/** An error from the worker with the name it had there (TrainingCancelledError, TrainingMemoryError, …). */
export class TrainingWorkerError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** The name of the error a run ends with when its thread had to be terminated after a cancel. */
export const TRAINING_TERMINATED = 'TrainingTerminatedError';
/** Long enough for a step at 1024 pixels on a slow CPU and the checkpoint after it. */
export const CANCEL_GRACE_MS = 30_000;

export function startTrainingWorker(config: TrainingConfig): TrainingJob {
  return superviseTrainingWorker(spawnWorker('training/train.worker', { workerData: { config } satisfies TrainingWorkerData }));
}

/** The job of a started training worker: its messages as progress and an outcome, and a cancel that always ends it. */
export function superviseTrainingWorker(worker: Worker): TrainingJob {
  return superviseJob<TrainingProgress, TrainingResult>(worker, {
    worker: 'the training worker',
    errorOf: (name, message) => new TrainingWorkerError(name, message),
    terminated: (seconds) =>
      new TrainingWorkerError(TRAINING_TERMINATED, `the run did not stop within ${seconds} s of the cancel (stuck reading its data or in a long step), so it was stopped by force`),
    graceMs: CANCEL_GRACE_MS,
  });
}

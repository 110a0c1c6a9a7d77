// startTrainingWorker: a training run in its own worker thread, for the CLI and the settings service. Progress
// arrives as events; cancel() asks the run to checkpoint and stop (done then rejects with a TrainingCancelled
// error naming the checkpoint to resume from). A run that does not stop within a grace period (stuck reading its
// data, or in one long synchronous step) has its thread terminated: a cancel always ends the run.
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../workers/spawn';
import type { TrainingProgress } from '../../ml/train/trainer';
import type { FromTrainingWorker, ToTrainingWorker, TrainingWorkerData } from './protocol';
import type { TrainingConfig, TrainingResult } from './run-training';

export interface TrainingJob {
  /** returns a function that removes the listener */
  onProgress(listener: (progress: TrainingProgress) => void): () => void;
  done: Promise<TrainingResult>;
  /** asks the run to stop; one still running `graceMs` later is stopped by force (default CANCEL_GRACE_MS) */
  cancel(graceMs?: number): void;
}

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
  const listeners = new Set<(progress: TrainingProgress) => void>();
  let settle: { resolve: (result: TrainingResult) => void; reject: (error: Error) => void } | null = null;
  let deadline: NodeJS.Timeout | null = null;
  const done = new Promise<TrainingResult>((resolve, reject) => (settle = { resolve, reject }));
  const finish = (outcome: { result: TrainingResult } | { error: Error }) => {
    if (!settle) return;
    const { resolve, reject } = settle;
    settle = null;
    if (deadline) clearTimeout(deadline);
    if ('result' in outcome) resolve(outcome.result);
    else reject(outcome.error);
  };

  worker.on('message', (message: FromTrainingWorker) => {
    if (message.type === 'progress') for (const listener of listeners) listener(message.progress);
    else if (message.type === 'done') finish({ result: message.result });
    else finish({ error: new TrainingWorkerError(message.error.name, message.error.message) });
  });
  worker.on('error', (error) => finish({ error }));
  worker.on('exit', (code) => finish({ error: new TrainingWorkerError('Error', `the training worker stopped (exit code ${code}) before finishing`) }));

  return {
    onProgress(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    done,
    cancel(graceMs = CANCEL_GRACE_MS) {
      if (!settle || deadline) return;
      worker.postMessage({ type: 'cancel' } satisfies ToTrainingWorker);
      deadline = setTimeout(() => {
        const seconds = graceMs / 1000;
        finish({
          error: new TrainingWorkerError(
            TRAINING_TERMINATED,
            `the run did not stop within ${seconds} s of the cancel (stuck reading its data or in a long step), so it was stopped by force`,
          ),
        });
        void worker.terminate();
      }, graceMs);
    },
  };
}

// startTrainingWorker: a training run in its own worker thread, for the CLI and the settings service. Progress
// arrives as events; cancel() asks the run to checkpoint and stop (done then rejects with a TrainingCancelled
// error naming the checkpoint to resume from).
import { spawnWorker } from '../workers/spawn';
import type { TrainingProgress } from '../../ml/train/trainer';
import type { FromTrainingWorker, ToTrainingWorker, TrainingWorkerData } from './protocol';
import type { TrainingConfig, TrainingResult } from './run-training';

export interface TrainingJob {
  /** returns a function that removes the listener */
  onProgress(listener: (progress: TrainingProgress) => void): () => void;
  done: Promise<TrainingResult>;
  cancel(): void;
}

/** An error from the worker with the name it had there (TrainingCancelledError, TrainingMemoryError, …). */
export class TrainingWorkerError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export function startTrainingWorker(config: TrainingConfig): TrainingJob {
  const worker = spawnWorker('training/train.worker', { workerData: { config } satisfies TrainingWorkerData });
  const listeners = new Set<(progress: TrainingProgress) => void>();
  let settled = false;
  const done = new Promise<TrainingResult>((resolve, reject) => {
    worker.on('message', (message: FromTrainingWorker) => {
      if (message.type === 'progress') for (const listener of listeners) listener(message.progress);
      else if (message.type === 'done') {
        settled = true;
        resolve(message.result);
      } else {
        settled = true;
        reject(new TrainingWorkerError(message.error.name, message.error.message));
      }
    });
    worker.on('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new TrainingWorkerError('Error', `the training worker stopped (exit code ${code}) before finishing`));
    });
  });
  return {
    onProgress(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    done,
    cancel() {
      worker.postMessage({ type: 'cancel' } satisfies ToTrainingWorker);
    },
  };
}

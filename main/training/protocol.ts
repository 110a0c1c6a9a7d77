// Messages between the training worker and the thread that started it. Errors cross as name + message, so the
// CLI and the settings service can tell a cancel or an out-of-memory stop from a failure.
import type { TrainingProgress } from '../../ml/train/trainer';
import type { TrainingConfig, TrainingResult } from './run-training';

export type TrainingWorkerData = { config: TrainingConfig };
export type ToTrainingWorker = { type: 'cancel' };
export type FromTrainingWorker =
  | { type: 'progress'; progress: TrainingProgress }
  | { type: 'done'; result: TrainingResult }
  | { type: 'error'; error: { name: string; message: string } };

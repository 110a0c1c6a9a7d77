// What the training worker is started with; its messages are main/workers/job-worker.ts's.
import type { TrainingConfig } from './run-training';

export type TrainingWorkerData = { config: TrainingConfig };

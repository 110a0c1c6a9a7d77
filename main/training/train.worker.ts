// The training run off the main thread: TF.js holds this thread for minutes at a time, and its engine (backend,
// tensors) is per thread, so a run gets a thread of its own.
import { workerData } from 'node:worker_threads';
import { serveJob } from '../workers/job-worker';
import type { TrainingWorkerData } from './protocol';
import { runTraining } from './run-training';

const { config } = workerData as TrainingWorkerData;
serveJob((control) => runTraining(config, control));

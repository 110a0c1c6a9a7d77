// The training run off the main thread: TF.js holds this thread for minutes at a time, and its engine (backend,
// tensors) is per thread, so a run gets a thread of its own.
import { parentPort, workerData } from 'node:worker_threads';
import type { FromTrainingWorker, ToTrainingWorker, TrainingWorkerData } from './protocol';
import { runTraining } from './run-training';

const port = parentPort!;
const { config } = workerData as TrainingWorkerData;
const controller = new AbortController();
port.on('message', (message: ToTrainingWorker) => {
  if (message.type === 'cancel') controller.abort();
});
const send = (message: FromTrainingWorker) => port.postMessage(message);

runTraining(config, { signal: controller.signal, onProgress: (progress) => send({ type: 'progress', progress }) }).then(
  (result) => send({ type: 'done', result }),
  (error: Error) => send({ type: 'error', error: { name: error?.name ?? 'Error', message: error?.message ?? String(error) } }),
).finally(() => port.close());

// Workers that compute one answer and exit (write a sample set, probe the engines): the caller gets a promise of
// the answer and can stop the worker; the worker side answers with `answerOnce`.
import { parentPort, workerData } from 'node:worker_threads';
import { spawnWorker } from './spawn';

type Answer<T> = { ok: true; value: T } | { ok: false; message: string };

export interface OneShotWorker<T> {
  result: Promise<T>;
  /** Stops the worker; `result` then rejects unless it had already settled. */
  terminate(): Promise<void>;
}

export function runWorkerOnce<T>(name: string, data: unknown): OneShotWorker<T> {
  const worker = spawnWorker(name, { workerData: data });
  const result = new Promise<T>((resolve, reject) => {
    worker.once('message', (answer: Answer<T>) => (answer.ok ? resolve(answer.value) : reject(new Error(answer.message))));
    worker.once('error', reject);
    // Settled already when the worker answered; this catches one that stopped without a word (or was terminated).
    worker.once('exit', (code) => reject(new Error(`the ${name} worker stopped (exit code ${code}) before it answered`)));
  });
  return { result, terminate: async () => void (await worker.terminate()) };
}

/** The worker side: computes the answer from the workerData and posts it (or the error's message) once. */
export function answerOnce<D, T>(compute: (data: D) => Promise<T>): void {
  compute(workerData as D).then(
    (value) => parentPort!.postMessage({ ok: true, value } satisfies Answer<T>),
    (error: unknown) => parentPort!.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) } satisfies Answer<T>),
  );
}

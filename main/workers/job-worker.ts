// A long job in a worker thread (a training run, an INT8 quantization), both sides of it: the worker runs the job
// with an AbortSignal and posts its progress and one outcome; the parent sees them as listeners and a promise, and
// its cancel always ends the job — a job still running a grace period after the cancel (stuck in a long native
// call or a synchronous step) has its thread terminated. Errors cross as name + message, so the caller can tell a
// cancel or an out-of-memory stop from a failure.
import { parentPort, type Worker } from 'node:worker_threads';

export type ToJobWorker = { type: 'cancel' };
export type FromJobWorker<P, R> = { type: 'progress'; progress: P } | { type: 'done'; result: R } | { type: 'error'; error: { name: string; message: string } };

/** The worker's side: runs `job` once, then closes the port. */
export function serveJob<P, R>(job: (control: { signal: AbortSignal; onProgress: (progress: P) => void }) => Promise<R>): void {
  const port = parentPort!;
  const controller = new AbortController();
  port.on('message', (message: ToJobWorker) => {
    if (message.type === 'cancel') controller.abort();
  });
  const send = (message: FromJobWorker<P, R>) => port.postMessage(message);
  job({ signal: controller.signal, onProgress: (progress) => send({ type: 'progress', progress }) })
    .then(
      (result) => send({ type: 'done', result }),
      (error: Error) => send({ type: 'error', error: { name: error?.name ?? 'Error', message: error?.message ?? String(error) } }),
    )
    .finally(() => port.close());
}

export interface SupervisedJob<P, R> {
  /** returns a function that removes the listener */
  onProgress(listener: (progress: P) => void): () => void;
  done: Promise<R>;
  /** asks the job to stop; one still running `graceMs` later is stopped by force */
  cancel(graceMs?: number): void;
}

export interface SuperviseOptions {
  /** "the training worker": how an unexpected exit names the thread */
  worker: string;
  /** the error the worker's own errors become, keeping their names */
  errorOf: (name: string, message: string) => Error;
  /** the error a job ends with when its thread had to be terminated `seconds` after the cancel */
  terminated: (seconds: number) => Error;
  graceMs: number;
}

/** The parent's side: the started worker's messages as progress and an outcome, and a cancel that always ends it. */
export function superviseJob<P, R>(worker: Worker, options: SuperviseOptions): SupervisedJob<P, R> {
  const listeners = new Set<(progress: P) => void>();
  let settle: { resolve: (result: R) => void; reject: (error: Error) => void } | null = null;
  let deadline: NodeJS.Timeout | null = null;
  const done = new Promise<R>((resolve, reject) => (settle = { resolve, reject }));
  const finish = (outcome: { result: R } | { error: Error }) => {
    if (!settle) return;
    const { resolve, reject } = settle;
    settle = null;
    if (deadline) clearTimeout(deadline);
    if ('result' in outcome) resolve(outcome.result);
    else reject(outcome.error);
  };

  worker.on('message', (message: FromJobWorker<P, R>) => {
    if (message.type === 'progress') for (const listener of listeners) listener(message.progress);
    else if (message.type === 'done') finish({ result: message.result });
    else finish({ error: options.errorOf(message.error.name, message.error.message) });
  });
  worker.on('error', (error) => finish({ error }));
  worker.on('exit', (code) => finish({ error: options.errorOf('Error', `${options.worker} stopped (exit code ${code}) before finishing`) }));

  return {
    onProgress(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    done,
    cancel(graceMs = options.graceMs) {
      if (!settle || deadline) return;
      worker.postMessage({ type: 'cancel' } satisfies ToJobWorker);
      deadline = setTimeout(() => {
        finish({ error: options.terminated(graceMs / 1000) });
        void worker.terminate();
      }, graceMs);
    },
  };
}

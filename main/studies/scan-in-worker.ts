// Runs a scan in its own worker thread (main/studies/scan.worker.ts), so header reads and index writes never
// block the main process; the worker opens its own connection to the index and reports back by messages.
import type { ScanProgress, ScanSummary } from '../api/contract';
import { spawnWorker } from '../workers/spawn';

export interface ScanWorkerData {
  indexFile: string;
  root: string;
  scanId: string;
}

export type ScanWorkerRequest = { type: 'cancel' };
export type ScanWorkerMessage =
  | { type: 'progress'; progress: ScanProgress }
  | { type: 'done'; summary: ScanSummary }
  | { type: 'failed'; message: string };

export interface RunningScan {
  scanId: string;
  root: string;
  done: Promise<ScanSummary>;
  /** Asks the scan to stop after the files in flight; `done` then resolves with `cancelled: true`. */
  cancel(): void;
}

export function scanInWorker(data: ScanWorkerData, onProgress: (progress: ScanProgress) => void): RunningScan {
  const worker = spawnWorker('studies/scan.worker', { workerData: data });
  const done = new Promise<ScanSummary>((resolve, reject) => {
    worker.on('message', (message: ScanWorkerMessage) => {
      if (message.type === 'progress') onProgress(message.progress);
      else if (message.type === 'done') resolve(message.summary);
      else reject(new Error(`the scan of ${data.root} failed: ${message.message}`));
    });
    worker.once('error', (error) => reject(new Error(`the scan of ${data.root} failed: ${error.message}`)));
    // Settled already when the worker ended normally; this catches a worker that died without a word.
    worker.once('exit', (code) => reject(new Error(`the scan worker for ${data.root} stopped (exit code ${code}) before it finished`)));
  });
  return {
    scanId: data.scanId,
    root: data.root,
    done,
    cancel: () => worker.postMessage({ type: 'cancel' } satisfies ScanWorkerRequest),
  };
}

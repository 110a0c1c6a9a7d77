// Worker thread entry for one scan: see scan-in-worker.ts for the other side.
import { parentPort, workerData } from 'node:worker_threads';
import { StudyIndex } from './index-db';
import { explainIndexError } from './index-errors';
import type { ScanWorkerData, ScanWorkerMessage, ScanWorkerRequest } from './scan-in-worker';
import { runScan } from './scanner';

const { indexFile, root, scanId } = workerData as ScanWorkerData;
const port = parentPort!;
const post = (message: ScanWorkerMessage) => port.postMessage(message);

let cancelled = false;
port.on('message', (request: ScanWorkerRequest) => {
  if (request.type === 'cancel') cancelled = true;
});
// The scan's own I/O keeps the thread alive; the port must not, or the worker would never exit.
port.unref();

let index: StudyIndex | undefined;
try {
  index = StudyIndex.open(indexFile);
  const summary = await runScan(index, {
    root,
    scanId,
    isCancelled: () => cancelled,
    onProgress: (progress) => post({ type: 'progress', progress }),
  });
  post({ type: 'done', summary });
} catch (error) {
  const explained = explainIndexError(error, indexFile);
  post({ type: 'failed', message: (explained as Error)?.message ?? String(explained) });
} finally {
  index?.close();
}

// Loads a TypeScript worker entry when running from sources (tsx, vitest): registers tsx in this thread first.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';
register();
await import(workerData.__pleuraEntry);

// Starting worker threads the same way in every shell: from TypeScript sources (tsx, vitest, the CLI) and from
// the esbuild bundle Electron runs. Worker entry files are named `*.worker.ts`, live one folder below main/
// (main/<area>/<name>.worker.ts), and are bundled to the same relative path under dist/main/, so a worker is
// named by that path without its extension, e.g. spawnWorker('studies/decode.worker').
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

const here = fileURLToPath(import.meta.url);
const fromSources = here.endsWith('.ts');
// This module sits one folder below main/ both in the sources and in every bundle entry.
const mainRoot = path.resolve(path.dirname(here), '..');

/**
 * The folder of bundled workers: Electron's, or, running from sources, one that `npm run build:main -- --outdir`
 * filled from these same sources and `PLEURA_WORKER_BUNDLES` names (the test suite builds one per run, which spares
 * every thread loading tsx again: about a second per worker on this machine's two cores). Null: TypeScript.
 */
function bundlesRoot(): string | null {
  return fromSources ? process.env.PLEURA_WORKER_BUNDLES || null : mainRoot;
}

export function spawnWorker(name: string, options: WorkerOptions = {}): Worker {
  const bundles = bundlesRoot();
  if (bundles) return new Worker(path.join(bundles, `${name}.js`), options);
  // Node does not apply the parent's TypeScript loader to workers reliably (vitest, tsx): bootstrap it there.
  const entry = pathToFileURL(path.join(mainRoot, `${name}.ts`)).href;
  const bootstrap = path.join(path.dirname(here), 'ts-bootstrap.mjs');
  return new Worker(bootstrap, { ...options, workerData: { ...(options.workerData ?? {}), __pleuraEntry: entry } });
}

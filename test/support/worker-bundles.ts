// Vitest global setup: bundles the workers once per run (scripts/build-main.mjs, as the packaged app has them) and
// points spawnWorker at them through PLEURA_WORKER_BUNDLES, which the test processes and the CLI processes they
// start inherit. The folder sits under node_modules/ so the bundles resolve the external packages as dist/main's
// do; one folder per run, so runs side by side never rebuild each other's.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

export default function setup(): () => void {
  // Vitest runs a global setup at the root and again for each project (vitest.config.ts): the first one builds.
  if (process.env.PLEURA_WORKER_BUNDLES) return () => {};
  const outdir = path.join(root, 'node_modules', '.cache', 'pleura-test-workers', String(process.pid));
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build-main.mjs'), '--outdir', outdir], { stdio: ['ignore', 'ignore', 'inherit'] });
  process.env.PLEURA_WORKER_BUNDLES = outdir;
  return () => rmSync(outdir, { recursive: true, force: true });
}

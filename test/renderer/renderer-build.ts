// The built renderer for tests that need it (bundle checks, the end-to-end test): reused when dist/renderer is
// newer than every source it is built from, else rebuilt once, under a lock so test files running in parallel
// never build over each other.
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const rendererDist = path.join(repoRoot, 'dist/renderer');

// What the renderer bundle is made of: its own sources, the contract and wire format it imports, the CSP, and the
// pure post-processing modules (RLE, colormap) the viewer imports.
const sourceRoots = ['renderer', 'main/api', 'main/transports', 'ml/post', 'package-lock.json'];
const lockDir = path.join(repoRoot, 'dist/.renderer-build.lock');
const staleLockMs = 180_000;

export async function ensureRendererBuilt(): Promise<string> {
  if (isFresh()) return rendererDist;
  await acquireLock();
  try {
    if (!isFresh()) await build();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
  return rendererDist;
}

function isFresh(): boolean {
  const built = mtimeOf(path.join(rendererDist, 'index.html'));
  return built !== null && sourceRoots.every((root) => newestMtime(path.join(repoRoot, root)) < built);
}

async function build(): Promise<void> {
  const vite = path.join(repoRoot, 'node_modules/vite/bin/vite.js');
  await promisify(execFile)(process.execPath, [vite, 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'error'], {
    cwd: repoRoot,
    // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
    env: { ...process.env, NODE_ENV: 'production', VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' },
    maxBuffer: 16 * 1024 * 1024,
  });
}

async function acquireLock(): Promise<void> {
  mkdirSync(path.dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lockDir);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const since = mtimeOf(lockDir);
      // A build that died without cleaning up must not block every later run.
      if (since !== null && Date.now() - since > staleLockMs) rmSync(lockDir, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

function mtimeOf(file: string): number | null {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

function newestMtime(entry: string): number {
  const stats = statSync(entry, { throwIfNoEntry: false });
  if (!stats) return 0;
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(
    stats.mtimeMs,
    ...readdirSync(entry).map((name) => newestMtime(path.join(entry, name))),
  );
}

// Which TF.js backend runs the models in this thread: the first of tfjs-node-gpu (CUDA), tfjs-node (libtensorflow),
// wasm, cpu that loads here. Chosen once per thread (TF.js's engine is per thread), with the reason each earlier
// option was passed over, so the user can see why inference is slow.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { reasonOf, type SkippedOption } from './engine';

export type BackendCandidate = {
  name: string;
  /** makes the backend available (imports, registers) and returns its TF.js backend name and thread count */
  load: () => Promise<{ backend: string; threads: () => number }>;
};

export type BackendChoice = { candidate: string; backend: string; threads: number; skipped: SkippedOption[] };

export const defaultBackendChain: readonly BackendCandidate[] = [
  { name: 'tfjs-node-gpu', load: () => loadNative('@tensorflow/tfjs-node-gpu') },
  { name: 'tfjs-node', load: () => loadNative('@tensorflow/tfjs-node') },
  { name: 'wasm', load: loadWasm },
  // The pure-JS kernels: always there, and minutes per full-size forward pass (environment.md).
  { name: 'cpu', load: async () => ({ backend: 'cpu', threads: () => 1 }) },
];

/** Tries the chain in order and makes the first that works the thread's TF.js backend. */
export async function chooseBackend(chain: readonly BackendCandidate[] = defaultBackendChain): Promise<BackendChoice> {
  const skipped: SkippedOption[] = [];
  for (const candidate of chain) {
    try {
      const { backend, threads } = await candidate.load();
      if (!(await tf.setBackend(backend))) throw new Error(`TF.js could not initialise its ${backend} backend`);
      await tf.ready();
      return { candidate: candidate.name, backend, threads: threads(), skipped };
    } catch (error) {
      skipped.push({ name: candidate.name, reason: reasonOf(error) });
    }
  }
  throw new Error(`no TF.js backend could be loaded: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

let chosen: Promise<BackendChoice> | undefined;

/** The thread's backend, chosen on first use from the default chain. */
export function tfjsBackend(): Promise<BackendChoice> {
  chosen ??= chooseBackend();
  return chosen;
}

async function loadNative(packageName: string): Promise<{ backend: string; threads: () => number }> {
  try {
    // A variable specifier: both packages are optional, absent at build time, and never bundled.
    await import(/* @vite-ignore */ packageName);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      if (!reasonOf(error).includes(packageName)) throw new Error(`a dependency is missing: ${reasonOf(error)}`);
      throw new Error('package not installed');
    }
    // Installed, but its install script could not fetch libtensorflow (or CUDA/cuDNN are absent).
    throw new Error(`libtensorflow missing: ${reasonOf(error)}`);
  }
  // TensorFlow's intra-op pool defaults to one thread per core.
  return { backend: 'tensorflow', threads: () => availableParallelism() };
}

async function loadWasm(): Promise<{ backend: string; threads: () => number }> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // Point the backend at the package's own .wasm files: bundles (Electron's main) have no __dirname to find them by.
  const dist = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
  wasm.setWasmPaths(`${dist}${path.sep}`);
  // Node has no WASM threads; the backend runs on one whatever setThreadsCount asks.
  return { backend: 'wasm', threads: () => wasm.getThreadsCount() };
}

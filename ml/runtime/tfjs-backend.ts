// Which TF.js backend runs the models in this thread: the first of tfjs-node-gpu (CUDA), tfjs-node (libtensorflow),
// wasm, cpu that loads here. Chosen once per thread (TF.js's engine is per thread), with the reason each earlier
// option was passed over, so the user can see why inference is slow.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { reasonOf, type SkippedOption } from './engine';
import { useThreadedWasm } from './wasm-threads';

export type LoadedBackend = {
  backend: string;
  threads: () => number;
  /** which build of the backend runs, where it has several (wasm: 'threaded SIMD' or 'SIMD') */
  build?: string;
  /** a better build of this backend passed over, with why */
  skipped?: SkippedOption[];
};

export type BackendCandidate = {
  name: string;
  /** makes the backend available (imports, registers) and returns its TF.js backend name and thread count */
  load: () => Promise<LoadedBackend>;
};

export type BackendChoice = { candidate: string; backend: string; threads: number; build?: string; skipped: SkippedOption[] };

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
      const { backend, threads, build, skipped: passedOver = [] } = await candidate.load();
      if (!(await tf.setBackend(backend))) throw new Error(`TF.js could not initialise its ${backend} backend`);
      await tf.ready();
      return { candidate: candidate.name, backend, threads: threads(), ...(build && { build }), skipped: [...skipped, ...passedOver] };
    } catch (error) {
      skipped.push({ name: candidate.name, reason: reasonOf(error) });
    }
  }
  throw new Error(`no TF.js backend could be loaded: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

let chosen: Promise<BackendChoice> | undefined;

/** "wasm backend, threaded SIMD, 2 threads", "tfjs-node backend, 8 threads": what runs the models, for reports. */
export function describeBackend(choice: BackendChoice): string {
  const threads = `${choice.threads} thread${choice.threads === 1 ? '' : 's'}`;
  return [`${choice.candidate} backend`, choice.build, threads].filter(Boolean).join(', ');
}

/** The thread's backend, chosen on first use from the default chain. */
export function tfjsBackend(): Promise<BackendChoice> {
  chosen ??= chooseBackend();
  return chosen;
}

async function loadNative(packageName: string): Promise<LoadedBackend> {
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

async function loadWasm(): Promise<LoadedBackend> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // Point the backend at the package's own .wasm files: bundles (Electron's main) have no __dirname to find them by.
  const dist = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
  wasm.setWasmPaths(`${dist}${path.sep}`);
  // The package alone runs one thread in Node; useThreadedWasm replaces it, or says why it kept it.
  const outcome = await useThreadedWasm();
  const threads = () => wasm.getThreadsCount();
  if (outcome.build === 'threaded SIMD') return { backend: 'wasm', threads, build: outcome.build };
  return { backend: 'wasm', threads, build: outcome.build, skipped: [{ name: 'wasm threaded SIMD', reason: outcome.reason }] };
}

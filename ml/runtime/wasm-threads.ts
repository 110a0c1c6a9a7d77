// TF.js's wasm backend on every core in Node. tfjs-backend-wasm 4.22 starts its single-threaded module there: its
// thread check answers false in Node (tfjs issue 3830), and it hands emscripten a Blob URL for the pthread worker,
// which worker_threads cannot load. The package also ships the threaded SIMD build and a pthread worker that does
// support Node; this starts that build with locations Node can load, wires the JS bridge the package's own init()
// wires, and makes the result the 'wasm' backend. Works on the main thread and inside worker threads alike.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BackendWasm, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import type { BackendWasmThreadedSimdModule } from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd';

/** The package's priority for 'wasm', kept so the registry orders backends as before. */
const WASM_PRIORITY = 2;
/** Emscripten waits for its 8 pthread workers before resolving; a worker that cannot start never answers. */
const START_TIMEOUT_MS = 60_000;

const require = createRequire(import.meta.url);
// Files, not imports: the pthread workers read the module's script by path, the .wasm cannot be bundled, and the
// package has no "exports" map, so these paths are public.
const WASM_OUT = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
const THREADED_SCRIPT = path.join(WASM_OUT, 'tfjs-backend-wasm-threaded-simd.js');
const WORKER_SOURCE = path.join(WASM_OUT, 'tfjs-backend-wasm-threaded-simd.worker.js');

type WasmImports = { env: Record<string, unknown> };
type EmscriptenConfig = {
  locateFile: (file: string) => string | URL;
  mainScriptUrlOrBlob: string;
  instantiateWasm: (imports: WasmImports, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) => object;
  onAbort: (reason: unknown) => void;
};
type Cwrap = (name: string, returns: 'number' | null, args: 'number'[]) => (...args: number[]) => number;
type ThreadedModule = BackendWasmThreadedSimdModule & { cwrap: Cwrap };
/** Set on the config object by emscripten (the config becomes the module) as soon as its workers exist. */
type Started = EmscriptenConfig & Partial<ThreadedModule>;

/** What useThreadedWasm made of the 'wasm' backend. */
export type WasmBuild = { build: 'threaded SIMD' } | { build: 'SIMD'; reason: string };

let outcome: Promise<WasmBuild> | undefined;

/**
 * Makes 'wasm' this thread's threaded SIMD backend with one thread per core, started now; when it cannot start,
 * leaves the package's single-threaded SIMD backend in place and says why. Once per thread.
 */
export function useThreadedWasm(): Promise<WasmBuild> {
  outcome ??= startThreadedBackend().then(
    (backend) => {
      registerWasm(backend);
      return { build: 'threaded SIMD' } as const;
    },
    (error: unknown) => ({ build: 'SIMD', reason: error instanceof Error ? error.message : String(error) }) as const,
  );
  return outcome;
}

/** A BackendWasm on the threaded SIMD module with `threads` threads (the calling thread among them). */
export async function startThreadedBackend(threads = availableParallelism()): Promise<BackendWasm> {
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`the threaded WASM backend needs a whole number of threads, got ${threads}`);
  if (typeof SharedArrayBuffer !== 'function') throw new Error('this runtime has no SharedArrayBuffer, which WASM threads need');
  const module = await startThreadedModule(threads);
  try {
    // BackendWasm starts its thread pool with the count last set here (the package's default: one per core).
    setThreadsCount(threads);
    const backend = new BackendWasm(module);
    // The pool's threads wait for work for as long as the backend lives; emscripten keeps their workers referenced,
    // which would keep the process (or the worker thread) running after its last task. Only the module's own
    // calls use them, so they need not hold the event loop.
    for (const worker of (module.PThread as unknown as { runningWorkers: { unref(): void }[] }).runningWorkers) worker.unref();
    return backend;
  } catch (error) {
    module.PThread.terminateAllThreads();
    throw error;
  }
}

function registerWasm(first: BackendWasm): void {
  let pending: BackendWasm | undefined = first;
  if (tf.findBackendFactory('wasm')) tf.removeBackend('wasm');
  // The started backend first; after a dispose (tf.engine().reset(), removeBackend) a fresh module, as its
  // threads end with the backend.
  tf.registerBackend(
    'wasm',
    () => {
      const backend = pending ?? startThreadedBackend();
      pending = undefined;
      return backend;
    },
    WASM_PRIORITY,
  );
}

async function startThreadedModule(threads: number): Promise<ThreadedModule> {
  const factory = require(THREADED_SCRIPT) as (config: EmscriptenConfig) => Promise<ThreadedModule>;
  let fail: (error: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => (fail = reject));
  const timer = setTimeout(() => fail(new Error(`its pthread workers did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
  const config: Started = {
    locateFile: (file) => (file.endsWith('.worker.js') ? pthreadWorkerUrl() : path.join(WASM_OUT, file)),
    // Each pthread worker reads and evaluates the module's script from here (fs.readFileSync in the worker source).
    mainScriptUrlOrBlob: THREADED_SCRIPT,
    instantiateWasm: (imports, receive) => {
      // The backend takes half the logical cores as its core count (it assumes two hyperthreads a core) and never
      // starts more threads than that, so on 2 cores it would run on 1: it is told twice the threads wanted.
      imports.env.emscripten_num_logical_cores = () => 2 * threads;
      readFile(path.join(WASM_OUT, 'tfjs-backend-wasm-threaded-simd.wasm'))
        .then((bytes) => WebAssembly.instantiate(bytes, imports as unknown as WebAssembly.Imports))
        .then(({ instance, module }) => receive(instance, module), fail);
      return {}; // emscripten's sign that the instance arrives later, through `receive`
    },
    onAbort: (reason) => fail(new Error(`it aborted: ${String(reason)}`)),
  };
  try {
    const module = await Promise.race([factory(config), failed]);
    bridge(module);
    return module;
  } catch (error) {
    config.PThread?.terminateAllThreads();
    throw new Error(`the threaded WASM module could not start: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    clearTimeout(timer);
  }
}

/** The JS side of the backend's C API, as the package's init() builds it (dist/backend_wasm.js). */
function bridge(module: ThreadedModule): void {
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
}

/**
 * The pthread worker as a data: URL, so nothing is written to disk. Node runs a data: URL worker as an ES module,
 * while the worker source is a CommonJS script body: its `require` and `__filename` are defined first.
 */
function pthreadWorkerUrl(): URL {
  const { wasmWorkerContents } = require(WORKER_SOURCE) as { wasmWorkerContents: string };
  const script = JSON.stringify(THREADED_SCRIPT);
  const prelude = `import { createRequire } from 'node:module'; const require = createRequire(${script}); const __filename = ${script};\n`;
  // The one-line source holds "\n" escapes that the template literal it ships in turned into newlines (the
  // package's init() undoes that the same way).
  return new URL(`data:text/javascript,${encodeURIComponent(prelude + wasmWorkerContents.replace(/\n/g, '\\n'))}`);
}

// The training engine a run uses. 'auto' takes onnxruntime (CUDA where onnxruntime-node lists it, then the CPU)
// before TF.js: on this kind of machine its compiled step runs several times the TF.js WASM trainer's speed. 'onnx'
// asks for onnxruntime alone; 'tensorflow', 'wasm' and 'cpu' pick that TF.js backend or fail saying why. TF.js
// stays the reference: same IR, same plans. WASM lacks some gradient kernels and has wrong ones, CPU has wrong resize
// gradients: the corrections are registered before training (harmless on tfjs-node, which uses neither).
import { availableParallelism } from 'node:os';
import type { ModelDefinition } from '../../models';
import type { SkippedOption } from '../../runtime/engine';
import { reasonOf } from '../../runtime/engine';
import { chooseBackend, defaultBackendChain, type BackendChoice } from '../../runtime/tfjs-backend';
import { registerWasmTrainingKernels } from '../../runtime/wasm-training-kernels';
import { createOnnxTrainingEngine } from '../engines/onnx';
import { createTfjsTrainingEngine } from '../engines/tfjs';
import type { TrainingEngine, TrainingEngineDescription } from '../engines/types';

export const TRAINING_BACKENDS = ['auto', 'onnx', 'tensorflow', 'wasm', 'cpu'] as const;
export type TrainingBackend = (typeof TRAINING_BACKENDS)[number];

const TFJS_CANDIDATES: Record<'tensorflow' | 'wasm' | 'cpu', readonly string[]> = {
  tensorflow: ['tfjs-node-gpu', 'tfjs-node'],
  wasm: ['wasm'],
  cpu: ['cpu'],
};

export async function chooseTrainingBackend(name: Exclude<TrainingBackend, 'onnx'>): Promise<BackendChoice> {
  const chain = name === 'auto' ? defaultBackendChain : defaultBackendChain.filter((c) => TFJS_CANDIDATES[name].includes(c.name));
  const choice = await chooseBackend(chain);
  registerWasmTrainingKernels();
  return choice;
}

/** onnxruntime's providers worth trying for training here, best first, and why the others are not tried. */
export async function onnxTrainingProviders(): Promise<{ providers: string[]; skipped: SkippedOption[] }> {
  const ort = await import('onnxruntime-node');
  const listed = ort.listSupportedBackends().map((b) => b.name);
  if (listed.includes('cuda')) return { providers: ['cuda', 'cpu'], skipped: [] };
  return { providers: ['cpu'], skipped: [{ name: 'onnx cuda', reason: 'onnxruntime-node lists no CUDA provider on this machine (CUDA 12 and its libraries are needed)' }] };
}

export type EngineRequest = {
  backend: TrainingBackend;
  definition: ModelDefinition;
  weights: ReadonlyMap<string, Float32Array>;
  /** the square training size */
  size: number;
};

/** The engine for the request; 'auto' falls back to TF.js only when onnxruntime cannot run here at all. */
export async function chooseTrainingEngine(request: EngineRequest): Promise<TrainingEngine> {
  const { backend, definition, weights, size } = request;
  if (backend === 'onnx' || backend === 'auto') {
    try {
      const { providers, skipped } = await onnxTrainingProviders();
      return await createOnnxTrainingEngine(definition, weights, { size, providers, threads: availableParallelism(), skipped });
    } catch (error) {
      if (backend === 'onnx') throw error;
      const tfjs = await chooseTrainingBackend('auto');
      return createTfjsTrainingEngine(definition, weights, tfjs, [{ name: 'onnx', reason: reasonOf(error) }]);
    }
  }
  return createTfjsTrainingEngine(definition, weights, await chooseTrainingBackend(backend));
}

/** One line for logs and the settings panel: the engine, its backend, and what auto passed over. */
export function describeTrainingEngine({ engine: name, backend, skipped }: TrainingEngineDescription): string {
  const why = skipped.length > 0 ? ` (passed over: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')})` : '';
  return `${name} ${backend}${why}`;
}

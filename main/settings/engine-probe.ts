// What each engine would run on here, found the way ml/runtime loads one: the onnxruntime execution provider that
// starts a session, and the TF.js backend the default chain picks, each with why the options before it were passed
// over — in plain words: an accelerator that is absent is how most machines are, not a fault.
import { reasonOf, type SkippedOption } from '../../ml/runtime/engine';
import type { SystemInfo } from '../api/contract';

export type EngineReport = SystemInfo['engines'][number];

export async function probeEngines(): Promise<EngineReport[]> {
  return Promise.all([probeOnnx(), probeTfjs()]);
}

async function probeOnnx(): Promise<EngineReport> {
  try {
    // onnxruntime-node lists providers (cuda) whose libraries may be absent: only starting a session tells. The
    // smallest architecture is started the way the inference worker starts a model, through the same chain.
    const [{ loadOnnxEngine }, { createModel, initialWeights }] = await Promise.all([import('../../ml/runtime/onnx-engine'), import('../../ml/models')]);
    const definition = createModel('unet-light', {});
    const engine = await loadOnnxEngine({ definition, weights: initialWeights(definition.graph, 0) }, { threads: 1 });
    const { backend, skipped } = engine.describe();
    await engine.dispose();
    return { name: 'onnx', available: true, backend, detail: describeChoice(providerNames[backend] ?? `the ${backend} execution provider`, skipped) };
  } catch (error) {
    return { name: 'onnx', available: false, backend: null, detail: `onnxruntime-node cannot run here: ${reasonOf(error)}` };
  }
}

async function probeTfjs(): Promise<EngineReport> {
  try {
    const { describeBackend, tfjsBackend } = await import('../../ml/runtime/tfjs-backend');
    const choice = await tfjsBackend();
    return { name: 'tfjs', available: true, backend: choice.candidate, detail: describeChoice(describeBackend(choice), choice.skipped) };
  } catch (error) {
    return { name: 'tfjs', available: false, backend: null, detail: reasonOf(error) };
  }
}

/** onnxruntime's execution providers by the hardware they run on. */
const providerNames: Record<string, string> = { cpu: 'CPU', cuda: 'CUDA', dml: 'DirectML', coreml: 'CoreML' };

/**
 * What was passed over, then what runs: "CUDA not found on this machine — running on CPU", "tfjs-node-gpu not
 * installed; tfjs-node not installed — running on wasm backend, threaded SIMD, 2 threads".
 */
export function describeChoice(chosen: string, skipped: readonly SkippedOption[]): string {
  const running = `running on ${chosen}`;
  return skipped.length > 0 ? `${skipped.map(passedOverWords).join('; ')} — ${running}` : running;
}

/**
 * One option passed over. onnxruntime says "Failed to load shared library" for an accelerator whose libraries (the
 * CUDA runtime, cuDNN) are not installed: on a machine without that hardware, the expected case.
 */
export function passedOverWords({ name, reason }: SkippedOption): string {
  const hardware = name === 'cpu' ? undefined : providerNames[name];
  if (hardware && /failed to load shared library|cannot open shared object/i.test(reason)) return `${hardware} not found on this machine`;
  if (reason === 'package not installed') return `${name} not installed`;
  return `${name}: ${reason}`;
}

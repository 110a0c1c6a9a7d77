// What each engine would run on here, found the way ml/runtime loads one: the onnxruntime execution provider that
// starts a session, and the TF.js backend the default chain picks, each with why the options before it were passed over.
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
    return { name: 'onnx', available: true, backend, detail: describeChoice(`${backend} execution provider`, skipped) };
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

/** "wasm backend, threaded SIMD, 2 threads (passed over tfjs-node-gpu: package not installed; …)" */
export function describeChoice(chosen: string, skipped: readonly SkippedOption[]): string {
  const passedOver = skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
  return passedOver ? `${chosen} (passed over ${passedOver})` : chosen;
}

// The TF.js backend a training run uses: 'auto' takes the inference chain (tfjs-node-gpu → tfjs-node → wasm → cpu);
// a name picks that one or fails saying why. WASM lacks some gradient kernels and has wrong ones, CPU has wrong
// resize gradients: the corrections are registered before training (harmless on tfjs-node, which uses neither).
import { chooseBackend, defaultBackendChain, type BackendChoice } from '../../runtime/tfjs-backend';
import { registerWasmTrainingKernels } from '../../runtime/wasm-training-kernels';

export const TRAINING_BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type TrainingBackend = (typeof TRAINING_BACKENDS)[number];

const CANDIDATES: Record<Exclude<TrainingBackend, 'auto'>, readonly string[]> = {
  tensorflow: ['tfjs-node-gpu', 'tfjs-node'],
  wasm: ['wasm'],
  cpu: ['cpu'],
};

export async function chooseTrainingBackend(name: TrainingBackend): Promise<BackendChoice> {
  const chain = name === 'auto' ? defaultBackendChain : defaultBackendChain.filter((c) => CANDIDATES[name].includes(c.name));
  const choice = await chooseBackend(chain);
  registerWasmTrainingKernels();
  return choice;
}

// SGD with torch.optim.SGD's semantics (single-tensor path, no dampening, Nesterov off): L2 weight decay added to
// the gradient, the momentum buffer started as a copy of the first gradient, buf ← momentum·buf + grad, then
// param ← param − lr·buf. Clipping by the global norm first, as for Adam.
import * as tf from '@tensorflow/tfjs';
import type { Optimizer } from './adam';
import { clipByGlobalNorm } from './clip';
import { checkLearningRate, float32Copy, namesByVariable, variableFor, type SgdEntry } from './state';

export type SgdOptions = { lr: number; momentum: number; weightDecay?: number; clipNorm?: number };

export function createSgd(options: SgdOptions): Optimizer {
  const { momentum, weightDecay = 0, clipNorm } = options;
  if (!(momentum >= 0 && momentum < 1)) throw new RangeError(`SGD momentum must lie in [0, 1), got ${momentum}`);
  if (!(weightDecay >= 0)) throw new RangeError(`weight decay must be ≥ 0, got ${weightDecay}`);
  let lr = checkLearningRate(options.lr);
  const buffers = new Map<tf.Variable, { step: number; buf: tf.Variable }>();

  return {
    apply(vars, grads) {
      const clipped = clipNorm === undefined ? undefined : clipByGlobalNorm(grads, clipNorm);
      try {
        vars.forEach((variable, i) => {
          tf.tidy(() => {
            const raw = clipped ? clipped.grads[i] : grads[i];
            const grad = weightDecay === 0 ? raw : tf.add(raw, tf.mul(variable, weightDecay));
            const entry = buffers.get(variable);
            let direction: tf.Tensor = grad;
            if (momentum !== 0) {
              if (entry) {
                entry.buf.assign(tf.add(tf.mul(entry.buf, momentum), grad));
                entry.step += 1;
              } else {
                buffers.set(variable, { step: 1, buf: tf.variable(tf.clone(grad), false) });
              }
              direction = buffers.get(variable)!.buf;
            }
            variable.assign(tf.sub(variable, tf.mul(direction, lr)));
          });
        });
      } finally {
        if (clipped) tf.dispose([...clipped.grads, clipped.norm]);
      }
    },
    get learningRate() {
      return lr;
    },
    set learningRate(value: number) {
      lr = checkLearningRate(value);
    },
    async exportState(names) {
      const byVariable = namesByVariable(names);
      const entries: Record<string, SgdEntry> = {};
      for (const [variable, entry] of buffers) {
        entries[byVariable.get(variable)!] = { step: entry.step, shape: [...variable.shape], momentum: await float32Copy(entry.buf) };
      }
      return { kind: 'sgd', entries };
    },
    importState(state, names) {
      if (state.kind !== 'sgd') throw new Error(`not an SGD optimiser state: kind ${String(state.kind)}`);
      const restored = Object.entries(state.entries).map(([name, entry]) => {
        const variable = variableFor(names, name, entry.shape);
        if (entry.momentum.length !== variable.size) throw new Error(`the saved momentum of "${name}" holds ${entry.momentum.length} values, the variable ${variable.size}`);
        return { variable, entry };
      });
      for (const { variable, entry } of restored) {
        buffers.get(variable)?.buf.dispose();
        buffers.set(variable, { step: entry.step, buf: tf.tidy(() => tf.variable(tf.tensor(entry.momentum, variable.shape, 'float32'), false)) });
      }
    },
    dispose() {
      for (const entry of buffers.values()) entry.buf.dispose();
      buffers.clear();
    },
  };
}

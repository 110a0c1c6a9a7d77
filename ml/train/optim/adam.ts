// Adam with torch.optim.Adam's semantics (single-tensor path, amsgrad off): weight decay is L2 added to the
// gradient before the moments (not AdamW's decoupled decay), bias-corrected moments, eps added after the square
// root of the corrected second moment, and a step count per variable. Clipping by the global norm runs first, as
// the 1st place's loop calls clip_grad_norm_ before optimizer.step().
import * as tf from '@tensorflow/tfjs';
import { clipByGlobalNorm } from './clip';
import { checkLearningRate, float32Copy, namesByVariable, sameShape, variableFor, type AdamEntry, type OptimState } from './state';

export type AdamOptions = {
  lr: number;
  /** L2 coefficient added to the gradient (torch's weight_decay); 0 for none */
  weightDecay?: number;
  /** max global gradient norm (torch's clip_grad_norm_ max_norm); absent for no clipping */
  clipNorm?: number;
  betas?: readonly [number, number];
  eps?: number;
};

/** What the TF.js trainer steps with: Adam here, SGD in sgd.ts. */
export interface Optimizer {
  /** One optimiser step: grads[i] is the gradient of vars[i]. The gradients are not disposed. */
  apply(vars: readonly tf.Variable[], grads: readonly tf.Tensor[]): void;
  learningRate: number;
  /** Moments and step counts of every variable stepped so far, under the names given. */
  exportState(names: ReadonlyMap<string, tf.Variable>): Promise<OptimState>;
  /** Replaces the moments of the named variables; the next apply continues exactly as the saved optimiser would. */
  importState(state: OptimState, names: ReadonlyMap<string, tf.Variable>): void;
  dispose(): void;
}
export type Adam = Optimizer;

type Moments = { step: number; m: tf.Variable; v: tf.Variable };

export function createAdam(options: AdamOptions): Adam {
  const { weightDecay = 0, clipNorm, betas = [0.9, 0.999], eps = 1e-8 } = options;
  const [beta1, beta2] = betas;
  checkLearningRate(options.lr);
  if (!(weightDecay >= 0)) throw new RangeError(`weight decay must be ≥ 0, got ${weightDecay}`);
  if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) throw new RangeError(`Adam betas must lie in [0, 1), got [${betas}]`);
  if (!(eps > 0)) throw new RangeError(`Adam eps must be positive, got ${eps}`);
  if (clipNorm !== undefined && !(clipNorm > 0)) throw new RangeError(`clipNorm must be positive, got ${clipNorm}`);

  let lr = options.lr;
  let disposed = false;
  const moments = new Map<tf.Variable, Moments>();

  const momentsOf = (variable: tf.Variable): Moments => {
    let entry = moments.get(variable);
    if (!entry) {
      entry = { step: 0, m: zeroVariableLike(variable), v: zeroVariableLike(variable) };
      moments.set(variable, entry);
    }
    return entry;
  };

  const assertAlive = () => {
    if (disposed) throw new Error('this Adam optimiser has been disposed');
  };

  return {
    apply(vars, grads) {
      assertAlive();
      checkPairs(vars, grads);
      const clipped = clipNorm === undefined ? undefined : clipByGlobalNorm(grads, clipNorm);
      try {
        vars.forEach((variable, i) => {
          const entry = momentsOf(variable);
          entry.step += 1;
          // torch computes the corrections in double precision on the host, then scales in float32.
          const stepSize = lr / (1 - beta1 ** entry.step);
          const correction2Sqrt = Math.sqrt(1 - beta2 ** entry.step);
          tf.tidy(() => {
            const raw = clipped ? clipped.grads[i] : grads[i];
            const grad = weightDecay === 0 ? raw : tf.add(raw, tf.mul(variable, weightDecay));
            // exp_avg.lerp_(grad, 1 - beta1); exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            const m = tf.add(entry.m, tf.mul(tf.sub(grad, entry.m), 1 - beta1));
            const v = tf.add(tf.mul(entry.v, beta2), tf.mul(tf.mul(grad, grad), 1 - beta2));
            const denom = tf.add(tf.div(tf.sqrt(v), correction2Sqrt), eps);
            entry.m.assign(m);
            entry.v.assign(v);
            variable.assign(tf.sub(variable, tf.mul(tf.div(m, denom), stepSize)));
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
      checkLearningRate(value);
      lr = value;
    },

    async exportState(names) {
      assertAlive();
      const byVariable = namesByVariable(names);
      const entries: Record<string, AdamEntry> = {};
      for (const [variable, entry] of moments) {
        const name = byVariable.get(variable);
        if (name === undefined) throw new Error(`a variable of shape [${variable.shape}] has optimiser state but no name`);
        entries[name] = { step: entry.step, shape: [...variable.shape], m: await float32Copy(entry.m), v: await float32Copy(entry.v) };
      }
      return { kind: 'adam', entries };
    },

    importState(state, names) {
      assertAlive();
      if (state.kind !== 'adam') throw new Error(`not an Adam optimiser state: kind ${String(state.kind)}`);
      // Check everything before changing anything, so a bad state leaves the optimiser as it was.
      const restored = Object.entries(state.entries).map(([name, entry]) => {
        const variable = variableFor(names, name, entry.shape);
        const size = variable.size;
        if (entry.m.length !== size || entry.v.length !== size) {
          throw new Error(`the saved moments of "${name}" hold ${entry.m.length}/${entry.v.length} values, the variable ${size}`);
        }
        if (!Number.isInteger(entry.step) || entry.step < 1) throw new Error(`the saved step count of "${name}" is ${entry.step}`);
        return { variable, entry };
      });
      for (const { variable, entry } of restored) {
        const old = moments.get(variable);
        if (old) tf.dispose([old.m, old.v]);
        moments.set(variable, {
          step: entry.step,
          m: tf.tidy(() => tf.variable(tf.tensor(entry.m, variable.shape, 'float32'), false)),
          v: tf.tidy(() => tf.variable(tf.tensor(entry.v, variable.shape, 'float32'), false)),
        });
      }
    },

    dispose() {
      for (const entry of moments.values()) tf.dispose([entry.m, entry.v]);
      moments.clear();
      disposed = true;
    },
  };
}

/** tidy frees the zeros tensor; the variable keeps its data (tidy never disposes variables). */
function zeroVariableLike(variable: tf.Variable): tf.Variable {
  return tf.tidy(() => tf.variable(tf.zerosLike(variable), false));
}


function checkPairs(vars: readonly tf.Variable[], grads: readonly tf.Tensor[]): void {
  if (vars.length !== grads.length) throw new Error(`Adam got ${vars.length} variables but ${grads.length} gradients`);
  vars.forEach((variable, i) => {
    if (!sameShape(variable.shape, grads[i].shape)) {
      throw new Error(`gradient ${i} has shape [${grads[i].shape}], its variable [${variable.shape}]`);
    }
  });
}

// An exponential moving average of the weights (3rd place: "EMA of the weights after epoch 6"), as timm's ModelEmaV2:
// shadow ← decay·shadow + (1 − decay)·weight after each optimiser step, over every float tensor the caller names
// (pass the model's namedVariables(): BatchNorm running statistics are averaged too, so the swapped-in model is
// consistent). Validation and checkpoints of the average swap it into the model and back.
import * as tf from '@tensorflow/tfjs';
import { float32Copy } from './optim/state';

export type EmaState = { shadows: Record<string, Float32Array> };

export interface Ema {
  /** Blends the current weights into the average; call after each optimiser step. */
  update(): void;
  /** Restarts the average from the current weights (at the stage's EMA start epoch). */
  reset(): void;
  /** Puts the averaged weights into the model, keeping the trained ones aside until restore(). */
  apply(): void;
  restore(): void;
  exportState(): Promise<EmaState>;
  importState(state: EmaState): void;
  /** Frees the average; restores the trained weights first if the average is still swapped in. */
  dispose(): void;
}

export function createEma(variables: ReadonlyMap<string, tf.Variable>, decay: number): Ema {
  if (!(decay > 0 && decay < 1)) throw new RangeError(`the EMA decay must lie in (0, 1), got ${decay}`);
  const copyOf = (variable: tf.Variable) => tf.tidy(() => tf.variable(variable.clone(), false));
  const shadows = new Map([...variables].map(([name, variable]) => [name, copyOf(variable)]));
  let aside: Map<string, tf.Tensor> | null = null;
  let disposed = false;

  const assertUsable = (action: string) => {
    if (disposed) throw new Error('this weight average has been disposed');
    if (aside) throw new Error(`cannot ${action} while the averaged weights are swapped in; restore() first`);
  };

  const ema: Ema = {
    update() {
      assertUsable('update the average');
      tf.tidy(() => {
        for (const [name, variable] of variables) {
          const shadow = shadows.get(name)!;
          // Integer buffers cannot be averaged: they follow the model, as in timm.
          shadow.assign(variable.dtype === 'float32' ? tf.add(tf.mul(shadow, decay), tf.mul(variable, 1 - decay)) : variable);
        }
      });
    },
    reset() {
      assertUsable('reset the average');
      for (const [name, variable] of variables) shadows.get(name)!.assign(variable);
    },
    apply() {
      assertUsable('swap the average in');
      aside = new Map([...variables].map(([name, variable]) => [name, tf.clone(variable)]));
      for (const [name, variable] of variables) variable.assign(shadows.get(name)!);
    },
    restore() {
      if (!aside) throw new Error('the averaged weights are not swapped in');
      for (const [name, variable] of variables) variable.assign(aside.get(name)!);
      tf.dispose([...aside.values()]);
      aside = null;
    },
    async exportState() {
      if (disposed) throw new Error('this weight average has been disposed');
      const entries = await Promise.all([...shadows].map(async ([name, shadow]) => [name, await float32Copy(shadow)] as const));
      return { shadows: Object.fromEntries(entries) };
    },
    importState(state) {
      assertUsable('load an average');
      const missing = [...variables.keys()].filter((name) => !(name in state.shadows));
      if (missing.length > 0) throw new Error(`the saved average lacks ${missing.length} variables, e.g. "${missing[0]}"`);
      // Check everything before changing anything.
      const checked = Object.entries(state.shadows).map(([name, values]) => {
        const variable = variables.get(name);
        if (!variable) throw new Error(`the saved average holds "${name}", which this model has no variable for`);
        if (values.length !== variable.size) throw new Error(`the saved average of "${name}" holds ${values.length} values, the variable ${variable.size}`);
        return { shadow: shadows.get(name)!, values, variable };
      });
      for (const { shadow, values, variable } of checked) {
        tf.tidy(() => shadow.assign(tf.tensor(values, variable.shape, variable.dtype)));
      }
    },
    dispose() {
      if (disposed) return;
      if (aside) ema.restore();
      tf.dispose([...shadows.values()]);
      disposed = true;
    },
  };
  return ema;
}


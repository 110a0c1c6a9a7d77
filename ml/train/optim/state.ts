// Optimiser state as plain data: per variable, its Adam step count and both moments as Float32Arrays, keyed by the
// model's state_dict names. TF.js variable names are global counters that differ between processes, so a
// checkpoint must use the caller's stable names (TfjsGraphModel.namedVariables()).
import type * as tf from '@tensorflow/tfjs';

export type AdamEntry = { step: number; shape: number[]; m: Float32Array; v: Float32Array };

export type SgdEntry = { step: number; shape: number[]; momentum: Float32Array };

/** Adam's moments or SGD's momentum buffers, per tensor; both engines read and write this form. */
export type OptimState = { kind: 'adam'; entries: Record<string, AdamEntry> } | { kind: 'sgd'; entries: Record<string, SgdEntry> };

/** Each variable's name, for writing state (a variable listed under two names keeps the first). */
export function namesByVariable(names: ReadonlyMap<string, tf.Variable>): Map<tf.Variable, string> {
  const byVariable = new Map<tf.Variable, string>();
  for (const [name, variable] of names) if (!byVariable.has(variable)) byVariable.set(variable, name);
  return byVariable;
}

/** The variable a stored entry belongs to; fails naming the entry when the model has no such variable or shape. */
export function variableFor(names: ReadonlyMap<string, tf.Variable>, name: string, shape: readonly number[]): tf.Variable {
  const variable = names.get(name);
  if (!variable) throw new Error(`the saved state holds "${name}", which this model has no variable for`);
  if (!sameShape(variable.shape, shape)) {
    throw new Error(`the saved state for "${name}" has shape [${shape}], the model's variable [${variable.shape}]`);
  }
  return variable;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, i) => size === b[i]);
}

/** A copy of a tensor's values: backends may hand out their own buffer, which must not escape into a checkpoint. */
export async function float32Copy(tensor: tf.Tensor): Promise<Float32Array> {
  return Float32Array.from(await tensor.data());
}

export function checkLearningRate(lr: number): number {
  if (!(lr >= 0) || !Number.isFinite(lr)) throw new RangeError(`the learning rate must be a finite number ≥ 0, got ${lr}`);
  return lr;
}

// Weighted averaging of probability maps and scores across models (science.md: "Ensembles average probability
// maps (weighted)").

/** Checks and normalises ensemble weights to sum 1; equal weights when none are given. */
export function normaliseWeights(count: number, weights?: readonly number[]): number[] {
  if (count < 1) throw new Error('an ensemble needs at least one model');
  if (!weights) return new Array<number>(count).fill(1 / count);
  if (weights.length !== count) throw new Error(`${weights.length} ensemble weights for ${count} models; give one weight per model`);
  if (weights.some((w) => !Number.isFinite(w) || w < 0)) throw new Error(`ensemble weights must be finite and non-negative, got ${weights.join(',')}`);
  const total = weights.reduce((a, b) => a + b, 0);
  if (total <= 0) throw new Error('ensemble weights must not all be zero');
  return weights.map((w) => w / total);
}

/** sum += weight·values, in place: an ensemble's average is built one model's map at a time, none of them kept. */
export function addWeighted(sum: Float32Array, values: Float32Array, weight: number): void {
  if (values.length !== sum.length) throw new Error(`cannot average maps of ${values.length} and ${sum.length} values`);
  for (let i = 0; i < sum.length; i++) sum[i] += weight * values[i];
}

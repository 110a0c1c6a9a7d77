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

/** Σ wᵢ·xᵢ over same-length arrays; the weights are used as given. */
export function weightedSum(arrays: readonly Float32Array[], weights: readonly number[]): Float32Array {
  const out = new Float32Array(arrays[0].length);
  arrays.forEach((values, k) => {
    if (values.length !== out.length) throw new Error(`cannot average maps of ${values.length} and ${out.length} values`);
    const w = weights[k];
    for (let i = 0; i < out.length; i++) out[i] += w * values[i];
  });
  return out;
}

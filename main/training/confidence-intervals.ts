// 95% intervals for the held-out comparison. Per-image Dice differences are far from normal (an image both models
// leave empty scores 1 for each, a missed pneumothorax 0), so the mean difference gets a paired bootstrap, not a t
// interval; proportions get Wilson's score interval, which stays inside [0, 1] and is sensible at 0 or n hits.
import type { Interval, Rate } from '../api/contract';
import { Rng } from '../../ml/random';

/** The standard normal's 97.5th percentile. */
const Z95 = 1.959963984540054;
export const BOOTSTRAP_RESAMPLES = 2000;
const BOOTSTRAP_SEED = 20_261_128;

/** `hits` of `of` with its Wilson score interval; null when there is nothing to count. */
export function wilsonRate(hits: number, of: number): Rate | null {
  if (of === 0) return null;
  const p = hits / of;
  const z2 = Z95 * Z95;
  const denominator = 1 + z2 / of;
  const centre = (p + z2 / (2 * of)) / denominator;
  const half = (Z95 * Math.sqrt((p * (1 - p)) / of + z2 / (4 * of * of))) / denominator;
  return { value: p, hits, of, interval: { low: Math.max(0, centre - half), high: Math.min(1, centre + half) } };
}

/**
 * The percentile interval of the mean of `values` (paired differences, one per image) over seeded resamples with
 * replacement; null below two values, where resampling says nothing about the spread.
 */
export function bootstrapMeanInterval(values: readonly number[], resamples = BOOTSTRAP_RESAMPLES, seed = BOOTSTRAP_SEED): Interval | null {
  const n = values.length;
  if (n < 2) return null;
  const rng = new Rng(seed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[rng.int(n)];
    means[r] = sum / n;
  }
  means.sort();
  return { low: means[Math.floor(0.025 * resamples)], high: means[Math.ceil(0.975 * resamples) - 1] };
}

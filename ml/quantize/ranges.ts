// Activation ranges from calibration statistics, and the uint8 parameters a range gives. Pure: the statistics are
// folded in by calibrate.ts one tensor at a time, so a calibration set of any length takes the same memory.
import { valueRange } from '../value-range';

export type CalibrationMethod = 'minmax' | 'percentile' | 'entropy';
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ['minmax', 'percentile', 'entropy'];
/** The share of values a percentile range keeps inside, on each side. */
export const DEFAULT_PERCENTILE = 99.99;

export type Range = { min: number; max: number };
/** uint8 activation parameters: real = (q − zeroPoint)·scale. */
export type QuantParams = { scale: number; zeroPoint: number };

const HISTOGRAM_BINS = 2048;

/**
 * One tensor's values over every calibration image: the exact min and max, and a histogram of bins of equal width
 * anchored at 0 on each side, the first tensor's largest magnitude across all bins. When a later value falls past
 * the last bin the width doubles and neighbouring bins merge: anchored at 0, that merge moves no value to a bin
 * it does not belong in.
 */
export class TensorStats {
  min = Infinity;
  max = -Infinity;
  /** exact zeros (a ReLU's cut-off values): kept apart from the bins, as zero is exact in every range */
  zeros = 0;
  /** 0 until a non-zero value arrives */
  width = 0;
  /** positive[i] counts values v > 0 with i·width ≤ v < (i+1)·width; negative[i] values v < 0 with i·width ≤ −v < (i+1)·width */
  readonly positive: Float64Array;
  readonly negative: Float64Array;

  constructor(readonly bins = HISTOGRAM_BINS) {
    if (!(Number.isInteger(bins) && bins >= 2 && bins % 2 === 0)) throw new RangeError(`histogram bins must be an even whole number ≥ 2, not ${bins}`);
    this.positive = new Float64Array(bins);
    this.negative = new Float64Array(bins);
  }

  add(values: Float32Array): void {
    const { min: lo, max: hi } = valueRange(values);
    if (!(Number.isFinite(lo) && Number.isFinite(hi))) {
      if (values.length) throw new RangeError('a calibration tensor holds values that are not finite');
      return;
    }
    this.min = Math.min(this.min, lo);
    this.max = Math.max(this.max, hi);
    const top = Math.max(-lo, hi);
    if (this.width === 0 && top > 0) this.width = (top * (1 + 1e-6)) / this.bins;
    while (top >= this.bins * this.width && this.width > 0) this.doubleWidth();
    const inverse = 1 / this.width;
    const last = this.bins - 1;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v > 0) this.positive[Math.min(last, Math.floor(v * inverse))]++;
      else if (v < 0) this.negative[Math.min(last, Math.floor(-v * inverse))]++;
      else if (v === 0) this.zeros++;
      else throw new RangeError('a calibration tensor holds NaN');
    }
  }

  /** A tensor's min and max alone, reduced elsewhere: enough for minmax, and the histogram stays empty. */
  addExtremes(min: number, max: number): void {
    if (!(Number.isFinite(min) && Number.isFinite(max))) throw new RangeError('a calibration tensor holds values that are not finite');
    this.min = Math.min(this.min, min);
    this.max = Math.max(this.max, max);
  }

  get count(): number {
    return this.zeros + sum(this.positive, 0, this.bins) + sum(this.negative, 0, this.bins);
  }

  private doubleWidth(): void {
    for (const h of [this.positive, this.negative]) {
      for (let i = 0; i < this.bins / 2; i++) h[i] = h[2 * i] + h[2 * i + 1];
      h.fill(0, this.bins / 2);
    }
    this.width *= 2;
  }
}

export function calibratedRange(stats: TensorStats, method: CalibrationMethod, percentile = DEFAULT_PERCENTILE): Range {
  if (!(stats.min <= stats.max)) throw new Error('a tensor was never seen in calibration');
  if (method !== 'minmax' && stats.count === 0) throw new Error(`${method} calibration needs a histogram, and this tensor has none`);
  switch (method) {
    case 'minmax':
      return { min: stats.min, max: stats.max };
    case 'percentile':
      return percentileRange(stats, percentile);
    case 'entropy':
      return entropyRange(stats);
  }
}

/**
 * Each side cut where no more than (100 − p)% of all values lie beyond it, at a bin's outer edge, never past the
 * observed min or max.
 */
export function percentileRange(stats: TensorStats, percentile: number): Range {
  if (!(percentile > 0 && percentile <= 100)) throw new RangeError(`percentile must lie in (0, 100], not ${percentile}`);
  const outside = (stats.count * (100 - percentile)) / 100;
  const edge = (h: Float64Array) => {
    let beyond = 0;
    for (let i = stats.bins - 1; i > 0; i--) {
      if (beyond + h[i] > outside) return (i + 1) * stats.width;
      beyond += h[i];
    }
    return stats.width;
  };
  return { min: Math.max(stats.min, -edge(stats.negative)), max: Math.min(stats.max, edge(stats.positive)) };
}

/** Candidate thresholds tried by entropyRange, at most; evenly spaced over the histogram's occupied bins. */
const ENTROPY_CANDIDATES = 512;

/**
 * TensorRT's entropy calibration (Migacz, "8-bit inference with TensorRT", 2017): on the histogram of |v|, the
 * threshold T whose clipped distribution P (values past T folded into the last bin) loses the least information,
 * KL(P ‖ Q), when its bins are merged into the quantised levels Q. Levels: 255 for a non-negative tensor (uint8 from
 * zero point 0), 127 a side for a signed one. The range is ±T, within the observed min and max. Exact zeros are
 * left out: after a ReLU they are half the values, and in the first bin they would dominate every merge.
 */
export function entropyRange(stats: TensorStats): Range {
  const levels = stats.min >= 0 ? 255 : 127;
  const magnitude = new Float64Array(stats.bins);
  for (let i = 0; i < stats.bins; i++) magnitude[i] = stats.positive[i] + stats.negative[i];
  let occupied = stats.bins;
  while (occupied > 0 && magnitude[occupied - 1] === 0) occupied--;
  if (occupied <= levels) return { min: stats.min, max: stats.max };
  const step = Math.max(1, Math.floor((occupied - levels) / ENTROPY_CANDIDATES));
  let best = occupied;
  let bestDivergence = Infinity;
  for (let bins = levels; bins <= occupied; bins += step) {
    const divergence = clippingDivergence(magnitude, bins, levels);
    if (divergence < bestDivergence) [best, bestDivergence] = [bins, divergence];
  }
  const threshold = best * stats.width;
  return { min: Math.max(stats.min, -threshold), max: Math.min(stats.max, threshold) };
}

/** KL(P ‖ Q) for the threshold at the end of the first `bins` bins of `h`, with `levels` quantised levels. */
export function clippingDivergence(h: Float64Array, bins: number, levels: number): number {
  const p = h.slice(0, bins);
  p[bins - 1] += sum(h, bins, h.length);
  const q = new Float64Array(bins);
  const chunk = Math.floor(bins / levels);
  for (let level = 0; level < levels; level++) {
    const start = level * chunk;
    const stop = level === levels - 1 ? bins : start + chunk;
    let nonZero = 0;
    for (let i = start; i < stop; i++) if (p[i] !== 0) nonZero++;
    if (nonZero === 0) continue;
    const share = sum(h, start, stop) / nonZero;
    for (let i = start; i < stop; i++) if (p[i] !== 0) q[i] = share;
  }
  const [ps, qs] = [smoothed(p), smoothed(q)];
  if (!ps || !qs) return Infinity;
  let divergence = 0;
  for (let i = 0; i < bins; i++) if (ps[i] > 0) divergence += ps[i] * Math.log(ps[i] / qs[i]);
  return divergence;
}

/**
 * The counts with ε moved onto the empty bins, so that the divergence is finite, then normalised to sum 1 (MXNet's
 * _smooth_distribution, on counts as there); null when nothing is there or the move would empty a bin.
 */
function smoothed(counts: Float64Array): Float64Array | null {
  let zeros = 0;
  for (const v of counts) if (v === 0) zeros++;
  if (zeros === counts.length) return null;
  const epsilon = 1e-4;
  const taken = (epsilon * zeros) / (counts.length - zeros);
  const out = counts.map((v) => (v === 0 ? epsilon : v - taken));
  if (out.some((v) => v <= 0)) return null;
  const total = sum(out, 0, out.length);
  return out.map((v) => v / total);
}

/**
 * uint8 per tensor. A range that never goes below 0 (after a ReLU) gets zero point 0, which is what lets
 * onnxruntime fuse the ReLU into the QLinearConv before it; any other range is asymmetric. The range is widened to
 * hold 0, so that zero padding is exact. The scale is rounded to float32, the type the graph stores it in.
 */
export function activationParams(range: Range): QuantParams {
  const lo = Math.min(0, range.min);
  const hi = Math.max(0, range.max);
  if (!(hi > lo)) return { scale: 1, zeroPoint: 0 };
  const scale = Math.fround((hi - lo) / 255);
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-lo / scale))) };
}

function sum(values: Float64Array, from: number, to: number): number {
  let total = 0;
  for (let i = from; i < to; i++) total += values[i];
  return total;
}

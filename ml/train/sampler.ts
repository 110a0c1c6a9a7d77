// The "sliding sample rate" (science.md, Sampling): each epoch takes every positive image plus
// n_neg = int(n_pos·(1 − p)/p) negatives drawn at random with replacement, shuffled; p is the share of positives
// and slides down over training. All draws come from the caller's Rng, so a resumed run draws the same epochs.
import { z } from 'zod';
import type { Rng } from '../random';

const Share = z.number().gt(0).lte(1);

export const PositiveShare = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('constant'), p: Share }),
  /** 4th place: p(e) = from − (from − to)·e/epochs, held at `to` after `epochs` */
  z.object({ kind: z.literal('linear'), from: Share, to: Share, epochs: z.number().int().positive() }),
  /** no sampler: every image once per epoch, in the data's order (a manual plan, reproducible in PyTorch) */
  z.object({ kind: z.literal('all') }),
]);
export type PositiveShare = z.infer<typeof PositiveShare>;

/** The share of positives for epoch `epoch` (0-based, counted within the stage the spec belongs to). */
export function positiveShareAt(spec: PositiveShare, epoch: number): number {
  if (!Number.isInteger(epoch) || epoch < 0) throw new RangeError(`an epoch index must be an integer ≥ 0, got ${epoch}`);
  if (spec.kind === 'constant') return spec.p;
  if (spec.kind === 'all') return 1;
  // Held at the end point: past it the 4th place's formula would reach zero and then go negative.
  return spec.from - ((spec.from - spec.to) * Math.min(epoch, spec.epochs)) / spec.epochs;
}

/** How many negatives an epoch with `positives` positives takes at share p (Python's int() of the quotient). */
export function negativeCount(positives: number, p: number): number {
  return Math.trunc((positives * (1 - p)) / p);
}

/** The negatives an epoch draws: none when the set has none to draw from. */
function negativesDrawn(positives: number, negatives: number, p: number): number {
  return negatives === 0 ? 0 : negativeCount(positives, p);
}

/**
 * The indices of one epoch, shuffled. A data set without positives is refused: the rule would give an empty epoch
 * (n_neg = 0), and a model trained on negatives alone only learns to predict nothing. A data set without negatives
 * gives every positive once: there is nothing to draw the negatives from.
 */
export function sampleEpoch(items: readonly { positive: boolean }[], p: number, rng: Rng): number[] {
  if (!(p > 0 && p <= 1)) throw new RangeError(`the share of positive images must lie in (0, 1], got ${p}`);
  const positives: number[] = [];
  const negatives: number[] = [];
  items.forEach((item, index) => (item.positive ? positives : negatives).push(index));
  if (positives.length === 0) {
    throw new Error(`the training set has no positive images (of ${items.length}); the sampler needs at least one`);
  }
  const drawn = negativesDrawn(positives.length, negatives.length, p);
  const epoch = [...positives];
  for (let i = 0; i < drawn; i++) epoch.push(negatives[rng.int(negatives.length)]);
  return rng.shuffle(epoch);
}

/** How many images epoch `epoch` takes (what epochOrder returns, counted without drawing) from `total` images of which `positives` are positive. */
export function epochSize(positives: number, total: number, spec: PositiveShare, epoch: number): number {
  if (spec.kind === 'all') return total;
  return positives + negativesDrawn(positives, total - positives, positiveShareAt(spec, epoch));
}

/** One epoch's indices under the spec: the sliding sample rate, or every image in order when there is no sampler. */
export function epochOrder(items: readonly { positive: boolean }[], spec: PositiveShare, epoch: number, rng: Rng): number[] {
  return spec.kind === 'all' ? items.map((_, index) => index) : sampleEpoch(items, positiveShareAt(spec, epoch), rng);
}

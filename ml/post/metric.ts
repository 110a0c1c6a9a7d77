// The challenge's metric (science.md, "Metric"): per image, both masks empty → 1, exactly one empty → 0, otherwise
// Dice 2|X∩Y| / (|X| + |Y|); the score is the mean over images. An empty-empty image scores 1 (not Dice's 0/0), which
// is why a model is rewarded for saying "nothing here" on the 78% of films without pneumothorax.
import { checkRaster, firstNonZero, lastNonZero, type Mask } from './raster';
import { runsArea, runsOverlap, type Runs } from './runs';

/** The per-image score from pixel counts, so callers that already counted (the threshold search) skip the masks. */
export function diceFromCounts(truthArea: number, predictedArea: number, overlap: number): number {
  if (truthArea === 0 && predictedArea === 0) return 1;
  if (truthArea === 0 || predictedArea === 0) return 0;
  return (2 * overlap) / (truthArea + predictedArea);
}

export function imageScore(truth: Mask, predicted: Mask): number {
  checkRaster(truth, 'truth mask');
  checkRaster(predicted, 'predicted mask', truth);
  const t = truth.data;
  const p = predicted.data;
  // Most images have an empty mask on at least one side; deciding those needs no counting, and the others only
  // need counting between the first and the last set pixel of either mask.
  const truthFirst = firstNonZero(t);
  const predictedFirst = firstNonZero(p);
  if (truthFirst < 0 || predictedFirst < 0) return truthFirst < 0 && predictedFirst < 0 ? 1 : 0;
  const end = Math.max(lastNonZero(t), lastNonZero(p)) + 1;
  let truthArea = 0;
  let predictedArea = 0;
  let overlap = 0;
  for (let i = Math.min(truthFirst, predictedFirst); i < end; i++) {
    const inTruth = t[i] !== 0;
    const inPrediction = p[i] !== 0;
    if (inTruth) truthArea++;
    if (inPrediction) predictedArea++;
    if (inTruth && inPrediction) overlap++;
  }
  return diceFromCounts(truthArea, predictedArea, overlap);
}

/** The per-image score of two run lists (see runs.ts): no masks needed, which makes scoring a whole table fast. */
export function runsScore(truth: Runs, predicted: Runs): number {
  return diceFromCounts(runsArea(truth), runsArea(predicted), runsOverlap(truth, predicted));
}

export function meanScore(scores: readonly number[]): number {
  if (scores.length === 0) throw new RangeError('the mean score of no images is undefined');
  let sum = 0;
  for (const score of scores) sum += score;
  return sum / scores.length;
}

// A triage operating point for a trained model: the triple threshold chosen on a tuning set of realistic
// prevalence (never the set it is scored on) as a triage device chooses one — the highest flag sensitivity whose
// specificity stays at or above a floor, ties broken by the challenge metric. The model runs through the product's
// inference pipeline; each image is read once and kept as the grid's counts (ml/post/threshold-search).
import { readModelCard } from '../../ml/io/model-store';
import { inferRadiograph } from '../../ml/infer';
import { countImage, type ImageCounts, type ThresholdGrid, type Triplet } from '../../ml/post';
import { scaleArea } from '../../ml/post/area-scale';
import { diceFromCounts } from '../../ml/post/metric';
import { spawnEngine } from '../inference/engine-client';
import type { HeldOutCase } from './compare';

/** science.md's grid widened towards smaller findings: a demonstration model at 256 misses the smallest rims. */
export const OPERATING_GRID: ThresholdGrid = { tops: [0.5, 0.6, 0.75], minAreas: [250, 500, 1000, 2000], bottoms: [0.3, 0.4] };

export type OperatingPoint = Triplet & { meanDice: number; sensitivity: number; specificity: number };

/** Every grid point's mean Dice and flag rates (a flag: at least the scaled min_area pixels above top). */
export function gridRates(counts: readonly ImageCounts[], grid: ThresholdGrid): OperatingPoint[] {
  const points: OperatingPoint[] = [];
  grid.tops.forEach((top, t) => {
    for (const minArea of grid.minAreas) {
      grid.bottoms.forEach((bottom, b) => {
        let [dice, tp, positives, tn, negatives] = [0, 0, 0, 0, 0];
        for (const image of counts) {
          const flagged = image.strong[t] >= scaleArea(minArea, image);
          dice += diceFromCounts(image.truthArea, flagged ? image.predicted[b] : 0, flagged ? image.overlap[b] : 0);
          if (image.truthArea > 0) [tp, positives] = [tp + (flagged ? 1 : 0), positives + 1];
          else [tn, negatives] = [tn + (flagged ? 0 : 1), negatives + 1];
        }
        points.push({ top, minArea, bottom, meanDice: dice / counts.length, sensitivity: tp / Math.max(1, positives), specificity: tn / Math.max(1, negatives) });
      });
    }
  });
  return points;
}

/** The most sensitive point with specificity ≥ floor (then the best mean Dice); the most specific one if none reaches it. */
export function chooseOperatingPoint(points: readonly OperatingPoint[], specificityFloor: number): OperatingPoint {
  const eligible = points.filter((p) => p.specificity >= specificityFloor);
  const pool = eligible.length > 0 ? eligible : points.filter((p) => p.specificity === Math.max(...points.map((q) => q.specificity)));
  return pool.reduce((best, p) => (p.sensitivity > best.sensitivity || (p.sensitivity === best.sensitivity && p.meanDice > best.meanDice) ? p : best));
}

/** The model folder's probabilities on the cases, as grid counts. */
export async function countCases(dir: string, cases: readonly HeldOutCase[], grid: ThresholdGrid): Promise<ImageCounts[]> {
  const card = await readModelCard(dir);
  const engine = await spawnEngine({ engine: 'onnx', source: { dir } });
  try {
    const model = { engine, inputSize: { rows: card.input.size, columns: card.input.size }, normalisation: card.input.normalisation };
    const counts: ImageCounts[] = [];
    for (const { image, truth } of cases) {
      const { probabilities } = await inferRadiograph(image, [model]);
      counts.push(countImage({ probabilities, truth }, grid));
    }
    return counts;
  } finally {
    await engine.dispose();
  }
}

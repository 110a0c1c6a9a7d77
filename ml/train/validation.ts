// Validation after each epoch: the challenge metric at the default triple threshold (science.md's validation-best
// (0.75, 2000, 0.3), areas scaled to the training size) and the threshold-triplet grid search over the same maps.
import { countImage, rulePresets, scoreGrid, SCIENCE_GRID, type GridPoint, type ImageCounts, type ThresholdGrid, type Triplet } from '../post';
import type { TrainingItem } from './dataset';
import type { TrainingEngine } from './engines/types';

export type ValidationResult = {
  /** mean per-image score at the given triplet (science.md's validation-best unless told) */
  dice: number;
  /** the best grid point (score = its mean per-image score) */
  best: GridPoint;
  images: number;
};

const DEFAULT: Triplet = rulePresets['validation-best'];

/** Scores the engine's model on the items (its probabilities), batch by batch so memory stays flat. */
export async function validate(
  model: Pick<TrainingEngine, 'predictProbabilities'>,
  items: readonly TrainingItem[],
  options: { batchSize: number; triplet?: Triplet },
): Promise<ValidationResult> {
  const { top, minArea, bottom } = options.triplet ?? DEFAULT;
  const fixedGrid: ThresholdGrid = { tops: [top], minAreas: [minArea], bottoms: [bottom] };
  const counts: { grid: ImageCounts[]; fixed: ImageCounts[] } = { grid: [], fixed: [] };
  for (let start = 0; start < items.length; start += options.batchSize) {
    const batch = items.slice(start, start + options.batchSize);
    const data = await model.predictProbabilities(batch.map((item) => item.image));
    batch.forEach((item, n) => {
      const { rows, columns } = item.mask;
      const pair = { probabilities: { rows, columns, data: data.subarray(n * rows * columns, (n + 1) * rows * columns) }, truth: item.mask };
      counts.grid.push(countImage(pair, SCIENCE_GRID));
      counts.fixed.push(countImage(pair, fixedGrid));
    });
  }
  return { dice: scoreGrid(counts.fixed, fixedGrid).best.score, best: scoreGrid(counts.grid, SCIENCE_GRID).best, images: counts.grid.length };
}

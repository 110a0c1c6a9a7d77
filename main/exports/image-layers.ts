// What an export shows of one triaged image: the mask a person saved when it was reviewed, else the model's, at the
// image's size; and the model's probabilities, stored as bytes, as a probability map.
import { decodeRle, type Mask, type ProbabilityMap } from '../../ml/post';
import type { StoredTriage } from '../triage/results-store';
import { heatmapProbabilities } from '../triage/review-figures';

export function shownMask(stored: StoredTriage): { mask: Mask; source: 'review' | 'model' } {
  const size = { rows: stored.maskRows ?? stored.rows, columns: stored.maskColumns ?? stored.columns };
  const reviewed = stored.review?.maskRle ?? null;
  if (reviewed !== null) return { mask: decodeRle(reviewed, size), source: 'review' };
  if (stored.maskRle === null) throw new Error(`image ${stored.sopInstanceUid} has no mask: it was not triaged`);
  return { mask: decodeRle(stored.maskRle, size), source: 'model' };
}

export function storedHeatmap(stored: StoredTriage): ProbabilityMap {
  const { heatmap, heatmapRows: rows, heatmapColumns: columns } = stored;
  if (heatmap === null || rows === null || columns === null) throw new Error(`image ${stored.sopInstanceUid} has no stored heatmap`);
  return heatmapProbabilities({ rows, columns, data: heatmap });
}

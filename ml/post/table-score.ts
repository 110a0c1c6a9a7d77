// Scores a prediction table against a truth table with the challenge metric, pairing images by ImageId.
import { imageRuns, type MaskTable } from './mask-table';
import { meanScore, runsScore } from './metric';
import type { Size } from './raster';

export interface TableScore {
  /** mean per-image score over the truth table's images */
  score: number;
  /** images scored: every image of the truth table */
  images: number;
  /** truth images with no prediction row; each was scored as an empty prediction */
  missingPredictions: number;
  /** prediction images absent from the truth table; they cannot be scored and are left out */
  unknownPredictions: number;
}

/**
 * The truth table decides which images count. An image the prediction leaves out is scored as predicted empty —
 * as if the submission had written `-1` for it — so leaving out an image is never better than answering for it;
 * `missingPredictions` reports how many that was.
 */
export function scoreTables(truth: MaskTable, predicted: MaskTable, size: Size): TableScore {
  if (truth.size === 0) throw new RangeError('the truth table has no images');
  const scores: number[] = [];
  let missingPredictions = 0;
  for (const [imageId, truthRows] of truth) {
    const predictedRows = predicted.get(imageId);
    if (!predictedRows) missingPredictions++;
    scores.push(runsScore(imageRuns(truthRows, size), imageRuns(predictedRows ?? [], size)));
  }
  let unknownPredictions = 0;
  for (const imageId of predicted.keys()) if (!truth.has(imageId)) unknownPredictions++;
  return { score: meanScore(scores), images: scores.length, missingPredictions, unknownPredictions };
}

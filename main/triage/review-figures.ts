// The figures of a reviewed mask, measured exactly as the model's mask was (ml/post's describeFindings: area in
// pixels and mm² at the image's spacing, side by the image's orientation), so that after an edit the worklist, the
// viewer, the report and the exports speak of the mask the reviewer saved. An edited mask's score is the model's
// peak probability inside it: how sure the model was of the region the reviewer drew.
import { describeFindings, maskArea, type ColumnDirection, type Mask, type PostProcessRule, type ProbabilityMap } from '../../ml/post';
import { resizeBilinear } from '../../ml/preprocess';
import type { ReviewDecision } from '../api/contract';
import type { Figures } from './triage-decision';

/** What measuring a mask needs, as the verdict stored it; the probabilities are read only when an edit is measured. */
export type MeasureBasis = {
  model: Figures;
  rule: PostProcessRule;
  pixelSpacing: { row: number; column: number } | null;
  columnDirection: ColumnDirection;
  /** the model's probabilities at any size (the stored heatmap): resized to the mask's */
  probabilities: () => ProbabilityMap;
};

export function reviewFigures(decision: ReviewDecision, mask: Mask, basis: MeasureBasis): Figures {
  // A confirmation keeps the model's mask, and so its figures.
  if (decision === 'confirmed') return basis.model;
  if (maskArea(mask) === 0) return { score: 0, areaPixels: 0, areaMm2: basis.pixelSpacing === null ? null : 0, side: null };
  const stored = basis.probabilities();
  const probabilities = resizeBilinear(stored, mask.rows, mask.columns);
  const measured = describeFindings(probabilities, mask, { rule: basis.rule, pixelSpacing: basis.pixelSpacing, columnDirection: basis.columnDirection });
  return { score: measured.score, areaPixels: measured.areaPixels, areaMm2: measured.areaMm2, side: measured.side === 'unknown' ? null : measured.side };
}

/** The stored heatmap (0..255 for probability 0..1) as a probability map. */
export function heatmapProbabilities(heatmap: { rows: number; columns: number; data: Uint8Array }): ProbabilityMap {
  return { rows: heatmap.rows, columns: heatmap.columns, data: Float32Array.from(heatmap.data, (value) => value / 255) };
}

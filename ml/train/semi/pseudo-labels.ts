// The 3rd place's pseudo-labels (science.md, "Semi-supervised"): a trained model predicts on unlabelled
// radiographs; only confident answers become labels, positives and negatives in equal numbers, and the
// pseudo-labelled images number at most half the labelled ones. The selection is a pure function of the maps, so
// the same probabilities always give the same labels.
import { applyRule, maskArea, type Mask, type PostProcessRule, type ProbabilityMap } from '../../post';
import type { TrainingItem, UnlabelledItem } from '../dataset';
import type { TrainingEngine } from '../engines/types';

/**
 * When a prediction is trusted. The 3rd place kept positives "where the set's label and the model agree"; a local
 * study has no label, so agreement is replaced by the model agreeing with itself strongly: the rule (the model
 * card's) flags the image and the mean probability inside the rule's mask is at least `positiveMeanProbability`.
 * A negative is trusted when no pixel reaches `negativePeak`. Neither number is in the write-up; they are Pleura's.
 */
export type PseudoLabelConfidence = { rule: PostProcessRule; positiveMeanProbability: number; negativePeak: number };

export const PSEUDO_LABEL_CONFIDENCE = { positiveMeanProbability: 0.7, negativePeak: 0.2 } as const;

export type PseudoLabelCandidate = { id: string; probabilities: ProbabilityMap };

export type PseudoLabelSelection = {
  /** chosen ids with their masks (empty for negatives), positives first, each kind in its ranking order */
  kept: { id: string; mask: Mask; positive: boolean }[];
  /** confident images found before balancing and the cap */
  confident: { positives: number; negatives: number };
  cap: number;
};

/**
 * Confident positives ranked by their mean probability (highest first), confident negatives by their peak (lowest
 * first), ties by id; then n of each with n = min(positives, negatives, ⌊⌊labelled / 2⌋ / 2⌋), so the kinds stay
 * equal and the total stays within half the labelled count.
 */
export function selectPseudoLabels(candidates: readonly PseudoLabelCandidate[], labelledCount: number, confidence: PseudoLabelConfidence): PseudoLabelSelection {
  if (!Number.isInteger(labelledCount) || labelledCount < 0) throw new RangeError(`the labelled count must be a whole number ≥ 0, got ${labelledCount}`);
  const { positiveMeanProbability, negativePeak } = confidence;
  if (!(positiveMeanProbability > 0 && positiveMeanProbability <= 1)) throw new RangeError(`positiveMeanProbability must lie in (0, 1], got ${positiveMeanProbability}`);
  if (!(negativePeak > 0 && negativePeak <= 1)) throw new RangeError(`negativePeak must lie in (0, 1], got ${negativePeak}`);
  const seen = new Set<string>();
  const positives: { id: string; mask: Mask; score: number }[] = [];
  const negatives: { id: string; mask: Mask; score: number }[] = [];
  for (const { id, probabilities } of candidates) {
    if (seen.has(id)) throw new Error(`the unlabelled image "${id}" is listed twice`);
    seen.add(id);
    const mask = applyRule(probabilities, confidence.rule);
    const area = maskArea(mask);
    if (area > 0) {
      let sum = 0;
      for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) sum += probabilities.data[i];
      const mean = sum / area;
      if (mean >= positiveMeanProbability) positives.push({ id, mask, score: mean });
    } else {
      let peak = 0;
      for (const p of probabilities.data) if (p > peak) peak = p;
      if (peak < negativePeak) negatives.push({ id, mask, score: peak });
    }
  }
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  positives.sort((a, b) => b.score - a.score || byId(a, b));
  negatives.sort((a, b) => a.score - b.score || byId(a, b));
  const cap = Math.floor(labelledCount / 2);
  const each = Math.min(positives.length, negatives.length, Math.floor(cap / 2));
  return {
    kept: [
      ...positives.slice(0, each).map(({ id, mask }) => ({ id, mask, positive: true })),
      ...negatives.slice(0, each).map(({ id, mask }) => ({ id, mask, positive: false })),
    ],
    confident: { positives: positives.length, negatives: negatives.length },
    cap,
  };
}

export type PseudoLabelled = { items: TrainingItem[]; selection: PseudoLabelSelection };

/** The teacher's maps on the unlabelled images (a few at a time), the selection, and the kept images as items. */
export async function pseudoLabel(
  teacher: Pick<TrainingEngine, 'predictProbabilities'>,
  unlabelled: readonly UnlabelledItem[],
  labelledCount: number,
  confidence: PseudoLabelConfidence,
  batchSize = 4,
): Promise<PseudoLabelled> {
  const candidates: PseudoLabelCandidate[] = [];
  for (let start = 0; start < unlabelled.length; start += batchSize) {
    const batch = unlabelled.slice(start, start + batchSize);
    const data = await teacher.predictProbabilities(batch.map((item) => item.image));
    batch.forEach(({ id, image: { rows, columns } }, n) => {
      candidates.push({ id, probabilities: { rows, columns, data: data.slice(n * rows * columns, (n + 1) * rows * columns) } });
    });
  }
  const selection = selectPseudoLabels(candidates, labelledCount, confidence);
  const byId = new Map(unlabelled.map((item) => [item.id, item]));
  const items = selection.kept.map(({ id, mask, positive }) => {
    const { patientId, image } = byId.get(id)!;
    return { id, patientId, image, mask, positive };
  });
  return { items, selection };
}

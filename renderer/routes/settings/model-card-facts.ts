// What a model card says, as the lines a person reads in the settings panel: its precision too, and for an INT8
// version how it was calibrated and how closely it agrees with its fp32 source. The card's metrics are free-form JSON
// (each producer writes its own), so every metric is read through a guard and a missing one shows as a dash.
import type { ModelEntry } from '../../../main/api/contract';
import type { PostProcessRule } from '../../../ml/post/rules';
import { formatDateTime, formatNumber, missing } from '../../app/format';

export type ModelCard = NonNullable<ModelEntry['card']>;
export type CardFact = { label: string; value: string };

type JsonRecord = Record<string, unknown>;
const isRecord = (value: unknown): value is JsonRecord => typeof value === 'object' && value !== null && !Array.isArray(value);
const numberAt = (record: JsonRecord, key: string): number | null => (typeof record[key] === 'number' ? record[key] : null);
const stringAt = (record: JsonRecord, key: string): string | null => (typeof record[key] === 'string' ? record[key] : null);

const AREA_UNIT = 'px at 1024 × 1024';

/** One line per rule, with science.md's names for its numbers; areas are pixels at 1024 x 1024. */
export function describeRule(rule: PostProcessRule): string {
  switch (rule.kind) {
    case 'triple-threshold': {
      const regions = rule.minRegionArea === null ? '' : `, regions under ${rule.minRegionArea} px dropped`;
      return `triple threshold: top ${rule.top}, min area ${rule.minArea} ${AREA_UNIT}, bottom ${rule.bottom}${regions}`;
    }
    case 'classifier-gate':
      return `classifier gate: P(non-empty) ≥ ${rule.minNonEmptyProbability}, at least ${rule.minStrongArea} ${AREA_UNIT} above ${rule.strongThreshold}, mask above ${rule.maskThreshold}`;
    case 'seeded-threshold':
      return `seeded threshold: a seed above ${rule.seedThreshold}, mask above ${rule.maskThreshold}, empty when ≤ ${rule.maxEmptyArea} ${AREA_UNIT}`;
  }
}

/** The rule ml/post applies for this card: its thresholds without the preset they came from. */
export function cardRule(card: Pick<ModelCard, 'thresholds'>): PostProcessRule {
  const { preset: _preset, ...rule } = card.thresholds;
  return rule as PostProcessRule;
}

/** The demonstration model (and any model trained here) says so in its notes; the panel shows that prominently. */
export function notForClinicalUse(notes: string): boolean {
  return /not for clinical use/i.test(notes);
}

function trainingData(metrics: JsonRecord): string {
  const data = metrics.data;
  if (!isRecord(data)) return missing;
  const source = stringAt(data, 'source');
  const images = numberAt(data, 'images');
  const positives = numberAt(data, 'positives');
  const train = numberAt(data, 'train');
  const validation = numberAt(data, 'validation');
  const fold = numberAt(data, 'fold');
  const folds = numberAt(data, 'folds');
  const parts = [
    source,
    images === null ? null : `${formatNumber(images)} images${positives === null ? '' : `, ${formatNumber(positives)} with pneumothorax`}`,
    train === null || validation === null ? null : `${formatNumber(train)} training / ${formatNumber(validation)} validation`,
    fold === null || folds === null ? null : `fold ${fold + 1} of ${folds}`,
  ];
  return parts.filter((part) => part !== null).join('; ') || missing;
}

function validationScore(metrics: JsonRecord): string {
  const parts: string[] = [];
  const valDice = numberAt(metrics, 'valDice');
  if (valDice !== null) {
    const best = isRecord(metrics.bestEpoch) ? metrics.bestEpoch : null;
    const at = best && numberAt(best, 'epoch') !== null ? ` (best at ${stringAt(best, 'stage') ?? 'stage'} epoch ${numberAt(best, 'epoch')})` : '';
    parts.push(`mean Dice ${valDice.toFixed(4)} on the validation images${at}`);
  }
  const fresh = isRecord(metrics.freshPhantomScore) ? metrics.freshPhantomScore : null;
  const freshDice = fresh && numberAt(fresh, 'meanDice');
  if (fresh && freshDice !== null) {
    const images = numberAt(fresh, 'images');
    parts.push(`mean Dice ${freshDice.toFixed(4)} on ${images === null ? 'fresh' : formatNumber(images)} unseen phantoms`);
  }
  return parts.join('; ') || missing;
}

/** Metrics already shown in their own lines, or too long for one (the epoch history stays in card.json). */
const shownElsewhere = new Set(['valDice', 'bestEpoch', 'freshPhantomScore', 'data', 'size']);

function otherMetrics(metrics: JsonRecord): string {
  const scalars = Object.entries(metrics).filter(
    (entry): entry is [string, number | string] => !shownElsewhere.has(entry[0]) && (typeof entry[1] === 'number' || typeof entry[1] === 'string'),
  );
  // Four decimals at most, without trailing zeros: 12.5 s, Dice 0.8123.
  const format = (value: number | string) => (typeof value === 'string' ? value : String(Number(value.toFixed(4))));
  return scalars.map(([key, value]) => `${key} ${format(value)}`).join(' · ') || missing;
}

function provenance({ source, file, seed, importedAt, tool }: ModelCard['provenance']): string {
  const origin = `${source}${file ? ` from ${file}` : ''}${seed === undefined ? '' : ` (seed ${seed})`}`;
  return `${origin}, ${formatDateTime(importedAt)} by ${tool}`;
}

type Quantization = NonNullable<ModelCard['quantization']>;

/** fp32, or INT8 with what it was made from and what stayed fp32 (absent on older cards: fp32). */
export function precisionFact(card: Pick<ModelCard, 'quantization'>): string {
  const q = card.quantization;
  if (!q) return 'fp32';
  const kept = q.fp32Layers.length ? `; kept in fp32: ${q.fp32Layers.map((layer) => `${layer.node} (${layer.why})`).join(', ')}` : '';
  return `INT8 version of ${q.source}: ${formatNumber(q.quantizedConvs)} convolutions with weights ${q.weights}, activations ${q.activations}${kept}`;
}

export function calibrationFact(q: Quantization): string {
  const method = q.percentile === null ? q.method : `${q.method} (${q.percentile})`;
  return `${formatNumber(q.calibration.count)} images from ${q.calibration.source}, ${method} ranges`;
}

/** The INT8 model against its fp32 source on held-out images, as its card records it. */
export function agreementFact({ agreement: a }: Quantization): string {
  return (
    `on ${formatNumber(a.images)} held-out images (${a.source}): flags agree on ${a.flagsAgree} of ${a.flagsTotal}, ` +
    `mean mask Dice ${a.meanDice.toFixed(4)} (lowest ${a.minDice.toFixed(4)}), largest probability difference ${a.maxProbabilityDifference.toFixed(4)}`
  );
}

/** The card's facts in reading order; its notes are shown on their own (prominently when not for clinical use). */
export function cardFacts(card: ModelCard): CardFact[] {
  const { architecture, input, thresholds } = card;
  const metrics = card.metrics ?? {};
  const origin = thresholds.preset === null ? 'chosen by the threshold search' : `preset ${thresholds.preset}`;
  return [
    { label: 'Architecture', value: `${architecture.name} (${architecture.encoder}, ${formatNumber(architecture.parameters)} parameters)` },
    { label: 'Input', value: `${input.size} × ${input.size}, ${input.channels} channels` },
    { label: 'Precision', value: precisionFact(card) },
    ...(card.quantization
      ? [
          { label: 'Calibration', value: calibrationFact(card.quantization) },
          { label: 'Agreement with fp32', value: agreementFact(card.quantization) },
        ]
      : []),
    { label: 'Normalisation', value: input.normalisation === 'imagenet' ? '÷ 255, then ImageNet mean and standard deviation' : 'none (÷ 255 only)' },
    { label: 'Thresholds', value: `${describeRule(cardRule(card))} (${origin})` },
    { label: 'Training data', value: trainingData(metrics) },
    { label: 'Validation', value: validationScore(metrics) },
    { label: 'Other metrics', value: otherMetrics(metrics) },
    { label: 'Provenance', value: provenance(card.provenance) },
    { label: 'Created', value: formatDateTime(card.createdAt) },
  ];
}

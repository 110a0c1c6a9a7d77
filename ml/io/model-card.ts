// The model card (card.json): what a model folder says about itself — how to rebuild, feed and read the network,
// which thresholds it was validated with, where its weights came from, and the sha256 of every file beside it.
import { z } from 'zod';
import { architectureNames, countParameters, type ArchName, type ModelDefinition } from '../models';
import { invalidFile, ModelFolderError } from './model-folder-error';
import { ClassifierGate, rulePresets, SeededThreshold, TripleThreshold, type PostProcessRule } from '../post/rules';

export const CARD_FILE = 'card.json';

/** Ids and versions name folders (`<id>@<version>`) on every platform: no separators, no '@', no leading dot. */
const FOLDER_PART_RULE = '1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit';
export const FolderPart = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, `expected ${FOLDER_PART_RULE}`);
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 as 64 lowercase hex digits');
export const Timestamp = z.iso.datetime({ offset: true });
/** A plain file name, so a card can never point outside its own folder. */
const FileName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a plain file name inside the model folder');
const FileEntry = z.object({ path: FileName, sha256: Sha256 }).strict();

/** A post-processing rule (ml/post) plus the preset it came from: null when a threshold search chose it. */
const withPreset = { preset: z.string().min(1).nullable() };
export const CardThresholds = z.discriminatedUnion('kind', [
  TripleThreshold.extend(withPreset),
  ClassifierGate.extend(withPreset),
  SeededThreshold.extend(withPreset),
]);
export type CardThresholds = z.infer<typeof CardThresholds>;

export const Provenance = z
  .object({
    source: z.enum(['random-init', 'pytorch', 'training']),
    /** the source file's base name (never its full path: the card travels to other machines) */
    file: z.string().min(1).nullable(),
    sha256: Sha256.nullable(),
    /** random-init only: the seed that reproduces the weights */
    seed: z.number().int().optional(),
    importedAt: Timestamp,
    tool: z.string().regex(/^pleura \d+\.\d+/, 'expected "pleura <version>"'),
  })
  .strict()
  .superRefine((p, context) => {
    if (p.source !== 'pytorch') return;
    for (const key of ['file', 'sha256'] as const) {
      if (p[key] === null) context.addIssue({ code: 'custom', path: [key], message: 'a PyTorch import records its source file' });
    }
  });
export type Provenance = z.infer<typeof Provenance>;

/** The numbers the engine computes in: absent on a card (every card before INT8 models) means fp32. */
export const Precision = z.enum(['fp32', 'int8']);
export type Precision = z.infer<typeof Precision>;

/** ml/quantize's calibration methods, and how a card names the model an INT8 version was made from. */
export const CalibrationMethodName = z.enum(['minmax', 'percentile', 'entropy']);
const ModelRefText = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}@[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected ID@VERSION');
const Fraction = z.number().min(0).max(1);
const Count = z.number().int().nonnegative();

/**
 * How an INT8 version was made from its fp32 source (ml/quantize's QuantizationReport) and how closely it agrees with
 * it. Sources are named as a person would (a folder's base name, "the workstation's studies"), never by a path.
 */
export const Quantization = z
  .object({
    source: ModelRefText,
    method: CalibrationMethodName,
    /** the percentile of |activation| kept (percentile method only) */
    percentile: z.number().gt(0).max(100).nullable(),
    quantizedConvs: Count,
    /** the layers left in fp32, each with why */
    fp32Layers: z.array(z.object({ node: z.string().min(1), why: z.string().min(1) }).strict()),
    activations: z.literal('uint8 per tensor'),
    weights: z.literal('int8 per channel (symmetric)'),
    calibration: z.object({ count: z.number().int().positive(), source: z.string().min(1) }).strict(),
    /**
     * INT8 against fp32 on images never calibrated on, through the product's inference and the card's rule: Dice
     * between the two masks per image (both empty = 1), flags that agree, the largest |p_fp32 − p_int8|.
     */
    agreement: z
      .object({
        images: z.number().int().positive(),
        source: z.string().min(1),
        meanDice: Fraction,
        minDice: Fraction,
        flagsAgree: Count,
        flagsTotal: Count,
        maxProbabilityDifference: Fraction,
      })
      .strict()
      .refine((a) => a.flagsAgree <= a.flagsTotal && a.flagsTotal === a.images && a.minDice <= a.meanDice, {
        message: 'flagsAgree must not exceed flagsTotal (one flag per image), nor minDice meanDice',
      }),
  })
  .strict()
  .refine((q) => (q.method === 'percentile') === (q.percentile !== null), { path: ['percentile'], message: 'a percentile is recorded for the percentile method only' });
export type Quantization = z.infer<typeof Quantization>;

export const ModelCard = z
  .object({
    format: z.literal('pleura-model'),
    formatVersion: z.literal(1),
    id: FolderPart,
    version: FolderPart,
    createdAt: Timestamp,
    architecture: z
      .object({
        name: z.enum(architectureNames() as [ArchName, ...ArchName[]]),
        /** the options the architecture was built with, defaults filled in: enough to rebuild it */
        options: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])),
        encoder: z.string().min(1),
        parameters: z.number().int().positive(),
      })
      .strict(),
    input: z
      .object({
        size: z.number().int().positive(),
        channels: z.literal(3),
        normalisation: z.enum(['none', 'imagenet']),
        multiple: z.number().int().positive(),
      })
      .strict()
      .refine((input) => input.size % input.multiple === 0, { path: ['size'], message: 'the input size must be a multiple of input.multiple' }),
    outputs: z.array(z.string().min(1)).min(1),
    thresholds: CardThresholds,
    provenance: Provenance,
    metrics: z.record(z.string(), z.json()).optional(),
    notes: z.string(),
    files: z.object({ weights: FileEntry, manifest: FileEntry, onnx: FileEntry }).strict(),
    /** absent: fp32. An INT8 model's model.onnx is its quantized graph; its TF.js weights stay fp32 (fine-tuning, export). */
    precision: Precision.optional(),
    /** present exactly when the precision is int8 */
    quantization: Quantization.optional(),
  })
  .strict()
  .superRefine((card, context) => {
    const int8 = card.precision === 'int8';
    if (int8 && !card.quantization) context.addIssue({ code: 'custom', path: ['quantization'], message: 'an INT8 card records how it was quantized' });
    if (!int8 && card.quantization) context.addIssue({ code: 'custom', path: ['precision'], message: 'a card with a quantization record is an INT8 card: precision "int8"' });
  });
export type ModelCard = z.infer<typeof ModelCard>;
/** A card before its files are written: writeModel adds `files`. */
export type ModelCardBody = Omit<ModelCard, 'files'>;

export function cardPrecision(card: Pick<ModelCard, 'precision'>): Precision {
  return card.precision ?? 'fp32';
}

/** Validates a parsed card; the error names the source and every offending field by its dotted path. */
export function parseModelCard(value: unknown, source = CARD_FILE): ModelCard {
  const result = ModelCard.safeParse(value);
  if (result.success) return result.data;
  throw invalidFile(source, result.error, 'not a valid model card');
}

/** science.md's validation-best triplet (0.75, 2000, 0.3), dropping regions under 100 pixels (at 1024x1024). */
export function defaultThresholds(): CardThresholds {
  return { ...rulePresets['validation-best'], minRegionArea: 100, preset: 'validation-best' };
}

/** The card's thresholds as the rule ml/post applies. */
export function cardRule(card: Pick<ModelCard, 'thresholds'>): PostProcessRule {
  const { preset: _preset, ...rule } = card.thresholds;
  return rule as PostProcessRule;
}

export type CardDraft = Pick<ModelCardBody, 'id' | 'version' | 'provenance' | 'notes'> &
  Partial<Pick<ModelCardBody, 'createdAt' | 'thresholds' | 'metrics'>> & {
    /** the square input size the model runs at (512 unless given) */
    size?: number;
  };

/** A card body whose architecture, input and outputs are read off the definition, so they cannot disagree with it. */
export function describeModel(definition: ModelDefinition, draft: CardDraft): ModelCardBody {
  const { metadata, graph } = definition;
  const { size = 512, thresholds = defaultThresholds(), createdAt = new Date().toISOString(), ...rest } = draft;
  return {
    format: 'pleura-model',
    formatVersion: 1,
    ...rest,
    createdAt,
    architecture: { name: metadata.arch, options: { ...metadata.options }, encoder: metadata.encoder, parameters: countParameters(graph) },
    input: { size, channels: metadata.inputChannels, normalisation: metadata.normalization, multiple: metadata.inputMultiple },
    outputs: [...metadata.outputNames],
    thresholds,
  };
}

/**
 * Throws when a card's derived facts disagree with the architecture it names as rebuilt here (a card edited by
 * hand, or written by a Pleura whose architecture has since changed). Normalisation may differ on purpose: the
 * card records how the weights were trained.
 */
export function checkCardMatches(card: ModelCardBody, definition: ModelDefinition, source = CARD_FILE): void {
  const { metadata, graph } = definition;
  const facts: [string, unknown, unknown][] = [
    ['architecture.name', card.architecture.name, metadata.arch],
    ['architecture.encoder', card.architecture.encoder, metadata.encoder],
    ['architecture.parameters', card.architecture.parameters, countParameters(graph)],
    ['input.multiple', card.input.multiple, metadata.inputMultiple],
    ['outputs', card.outputs.join(','), metadata.outputNames.join(',')],
  ];
  const wrong = facts.filter(([, stated, actual]) => stated !== actual);
  if (wrong.length === 0) return;
  const details = wrong.map(([field, stated, actual]) => `${field} is ${String(stated)}, the architecture has ${String(actual)}`);
  throw new ModelFolderError(`${source}: the card does not match ${metadata.arch} as built from its options: ${details.join('; ')}`);
}

/** `<id>@<version>`: how the data directory names an installed model and the CLI refers to it. */
export function modelRef(card: Pick<ModelCard, 'id' | 'version'>): string {
  return `${card.id}@${card.version}`;
}

export function parseModelRef(ref: string): { id: string; version: string } {
  const [id, version, ...extra] = ref.split('@');
  if (extra.length === 0 && version !== undefined && FolderPart.safeParse(id).success && FolderPart.safeParse(version).success) {
    return { id, version };
  }
  throw new ModelFolderError(`"${ref}" is not a model reference; expected ID@VERSION, each ${FOLDER_PART_RULE}`);
}

// What a triage run writes to results.json: one entry per file found (triaged, not assessed, or why it failed), the
// models and the rule that made every verdict, and a summary. Format 2: flags are 'positive', 'not-flagged' or
// 'not-assessed' (format 1's 'negative' is gone), with the words, the peak probability and what held an image back.
import type { TtaMode } from '../../ml/infer';
import type { Finding, HeldBack, PostProcessRule, TriageVerdict } from '../../ml/post';
import type { EngineDescription } from '../../ml/runtime/engine';
import type { FileErrorCode, IntendedUse } from '../api/contract';

export const RESULTS_FILE = 'results.json';
export const SUBMISSION_FILE = 'submission.csv';

export type ImageTimings = { decodeMs: number; preprocessMs: number; modelMs: number; postprocessMs: number };

export type TriagedImage = {
  path: string;
  status: 'ok';
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  /** the source image's size: the mask, its areas and the submission's runs are at this size */
  rows: number;
  columns: number;
  flag: TriageVerdict['flag'];
  /** as the workstation says it (triage-decision.ts) */
  words: string;
  /** the highest probability inside the mask, 0 when not flagged */
  score: number;
  /** the peak of the ensemble's probability map at the source size, after TTA */
  maxProbability: number;
  /** which condition of the rule kept a not-flagged image below the flag; null when flagged */
  heldBack: HeldBack | null;
  /** made by a demonstration model, on an image that is no Pleura phantom */
  demonstrationModel: boolean;
  /** the ensemble's P(non-empty) from the models with a classification head; null when none has one */
  nonEmptyProbability: number | null;
  areaPixels: number;
  areaMm2: number | null;
  side: TriageVerdict['side'];
  findings: Finding[];
  rule: PostProcessRule;
  /** relative to the output folder */
  heatmap: string;
  timings: ImageTimings;
};

/** Decode errors carry the decoder's code; a failure after decoding (model, post-processing) is 'triage-failed'. */
export type TriageErrorCode = FileErrorCode | 'triage-failed';

export type FailedImage = { path: string; status: 'error'; error: { code: TriageErrorCode; message: string } };

/** Outside the intended use (intended-use.ts): decoded, never sent to a model. */
export type NotAssessedImage = {
  path: string;
  status: 'not-assessed';
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  flag: 'not-assessed';
  notAssessedReason: string;
  words: string;
};

export type ImageEntry = TriagedImage | NotAssessedImage | FailedImage;

export type ModelEntry = {
  /** `<id>@<version>` from the model's card */
  ref: string;
  dir: string;
  arch: string;
  inputSize: number;
  normalisation: string;
  weight: number;
  engine: EngineDescription;
};

/** Where the rule came from: the first model's card, a named preset, or --thresholds. */
export type RuleSource = { kind: 'card'; model: string } | { kind: 'preset'; name: string } | { kind: 'thresholds' };

export type TriageSummary = {
  files: number;
  triaged: number;
  positive: number;
  notFlagged: number;
  notAssessed: number;
  errors: number;
  errorsByCode: Partial<Record<TriageErrorCode, number>>;
  /** from the first file listed to the last result written */
  totalMs: number;
  /** totalMs over the files triaged */
  msPerImage: number | null;
  /** each phase summed over the images: more than totalMs in all when the phases overlap */
  phaseTotalsMs: ImageTimings;
};

export type TriageReport = {
  format: 'pleura-triage';
  formatVersion: 2;
  createdAt: string;
  folder: string;
  models: ModelEntry[];
  /** the first model is a demonstration model: its results on real radiographs say so (demonstrationModel per image) */
  demonstrationModel: boolean;
  intendedUse: IntendedUse;
  tta: TtaMode;
  rule: PostProcessRule;
  ruleSource: RuleSource;
  images: ImageEntry[];
  summary: TriageSummary;
};

export function summarise(images: readonly ImageEntry[], totalMs: number): TriageSummary {
  const triaged = images.filter((image): image is TriagedImage => image.status === 'ok');
  const errorsByCode: TriageSummary['errorsByCode'] = {};
  for (const image of images) if (image.status === 'error') errorsByCode[image.error.code] = (errorsByCode[image.error.code] ?? 0) + 1;
  const phaseTotalsMs: ImageTimings = { decodeMs: 0, preprocessMs: 0, modelMs: 0, postprocessMs: 0 };
  for (const image of triaged) for (const phase of Object.keys(phaseTotalsMs) as (keyof ImageTimings)[]) phaseTotalsMs[phase] += image.timings[phase];
  const positive = triaged.filter((image) => image.flag === 'positive').length;
  const notAssessed = images.filter((image) => image.status === 'not-assessed').length;
  return {
    files: images.length,
    triaged: triaged.length,
    positive,
    notFlagged: triaged.length - positive,
    notAssessed,
    errors: images.length - triaged.length - notAssessed,
    errorsByCode,
    totalMs,
    msPerImage: triaged.length ? totalMs / triaged.length : null,
    phaseTotalsMs,
  };
}

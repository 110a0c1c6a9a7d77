// What a triage run writes to results.json: one entry per file found (triaged, or why not), the models and the
// rule that made every verdict, and a summary.
import type { TtaMode } from '../../ml/infer';
import type { Finding, PostProcessRule, TriageResult } from '../../ml/post';
import type { EngineDescription } from '../../ml/runtime/engine';
import type { FileErrorCode } from '../api/contract';

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
  flag: TriageResult['flag'];
  score: number;
  /** the ensemble's P(non-empty) from the models with a classification head; null when none has one */
  nonEmptyProbability: number | null;
  areaPixels: number;
  areaMm2: number | null;
  side: TriageResult['side'];
  findings: Finding[];
  rule: PostProcessRule;
  /** relative to the output folder */
  heatmap: string;
  timings: ImageTimings;
};

/** Decode errors carry the decoder's code; a failure after decoding (model, post-processing) is 'triage-failed'. */
export type TriageErrorCode = FileErrorCode | 'triage-failed';

export type FailedImage = { path: string; status: 'error'; error: { code: TriageErrorCode; message: string } };

export type ImageEntry = TriagedImage | FailedImage;

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
  negative: number;
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
  formatVersion: 1;
  createdAt: string;
  folder: string;
  models: ModelEntry[];
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
  return {
    files: images.length,
    triaged: triaged.length,
    positive,
    negative: triaged.length - positive,
    errors: images.length - triaged.length,
    errorsByCode,
    totalMs,
    msPerImage: triaged.length ? totalMs / triaged.length : null,
    phaseTotalsMs,
  };
}

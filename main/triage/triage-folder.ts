// One triage run over a folder: list the files, decode each (off the main thread, the next one while the current
// one is in the model), infer with the loaded ensemble those within the intended use (the rest are listed as not
// assessed, never sent to a model), apply the rule, and write the heatmaps as they come and results.json and
// submission.csv at the end, each file whole or not at all. The input folder is only ever read.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { inferRadiograph, normaliseWeights, type InferenceResult, type Stacking, type TtaMode } from '../../ml/infer';
import { modelRef } from '../../ml/io/model-card';
import { formatSubmission, isTableValue } from '../../ml/post';
import type { DecodedImage, IntendedUse } from '../api/contract';
import { writeFileAtomically } from '../fs/atomic-file';
import { containedPath, uidFileStem } from '../fs/contained-path';
import { inferenceModels, type EnsembleMember } from '../inference/load-ensemble';
import { toRadiograph } from '../inference/radiograph';
import { createDecodePool } from '../studies/decode-pool';
import { walkFiles } from '../studies/walk';
import { isPleuraPhantom } from '../phantoms/phantom-mark';
import { heatmapPng } from './heatmap-png';
import { DEFAULT_INTENDED_USE, notAssessedReason } from './intended-use';
import { checkOutputFolder, HEATMAP_FOLDER } from './output-folder';
import { runPipeline, type PipelineOptions } from './pipeline';
import { RESULTS_FILE, SUBMISSION_FILE, summarise, type FailedImage, type ImageEntry, type NotAssessedImage, type TriageReport } from './report';
import { resolveRule, type RuleChoice } from './rule-choice';
import { isDemonstrationModel } from './triage-config';
import { decideImage, notAssessedWords, type DecisionContext } from './triage-decision';
import { imageError, judgeImage } from './verdict';

export type TriageProgress = { done: number; total: number; entry: ImageEntry; ms: number };

export interface TriageFolderOptions extends Pick<PipelineOptions, 'prefetch' | 'clock' | 'onSpan'> {
  folder: string;
  out: string;
  /** loaded by the caller (loadEnsemble), which also frees them */
  members: readonly EnsembleMember[];
  /** one per member, normalised; default equal */
  weights?: readonly number[];
  /** a two-stage model set's classifier stage (main/inference/run-plan) */
  stacking?: Stacking | null;
  /** default 'hflip' */
  tta?: TtaMode;
  /** the input size for every model; default each card's */
  size?: number | null;
  /** default: the first model's card */
  rule?: RuleChoice;
  /** default: the workstation's default (DEFAULT_INTENDED_USE) */
  intendedUse?: IntendedUse;
  onProgress?: (progress: TriageProgress) => void;
}

export async function triageFolder(options: TriageFolderOptions): Promise<TriageReport> {
  const started = performance.now();
  const { input, out } = await checkOutputFolder(options.folder, options.out);
  const { rule, source: ruleSource } = resolveRule(options.rule, options.members);
  const tta = options.tta ?? 'hflip';
  const weights = normaliseWeights(options.members.length, options.weights);
  const models = inferenceModels(options.members, options.size ?? null);
  const intendedUse = options.intendedUse ?? DEFAULT_INTENDED_USE;
  // Every verdict of the run is current: the decision only tells flagged from not, in the workstation's words.
  const context: DecisionContext = { configKey: 'this run', demonstration: isDemonstrationModel(options.members[0].card) };
  await mkdir(path.join(out, HEATMAP_FOLDER), { recursive: true });

  const { files, unreadable } = await listFiles(input);
  const entries: ImageEntry[] = [...unreadable];
  const submission: { imageId: string; encodedPixels: string }[] = [];
  const heatmapNames = new Set<string>();
  const total = files.length + unreadable.length;
  const pool = createDecodePool({ size: 1 });

  /** The verdict on one decoded and inferred image; a failure here fails this image only. */
  const judge = (image: DecodedImage, inference: InferenceResult) => ({
    ...judgeImage(image, inference.probabilities, inference.classifierProbability, rule),
    png: heatmapPng(inference.probabilities),
  });

  const finishImage = async (file: string, image: DecodedImage, inference: InferenceResult): Promise<ImageEntry> => {
    const start = performance.now();
    let verdict: ReturnType<typeof judge>;
    try {
      verdict = judge(image, inference);
    } catch (error) {
      return failed(file, error, true);
    }
    const { info } = image;
    const { result } = verdict;
    const side = result.side === 'unknown' ? null : result.side;
    const decision = decideImage(
      {
        stored: 'triaged',
        configKey: context.configKey,
        modelFlag: result.flag,
        model: { score: result.score, areaPixels: result.areaPixels, areaMm2: result.areaMm2, side },
        maxProbability: result.maxProbability,
        heldBack: result.heldBack,
        review: null,
        notAssessedReason: null,
        phantom: isPleuraPhantom(info),
      },
      context,
    );
    // An output that cannot be written (disk full, no permission, a link planted as heatmaps/) stops the run: no image
    // would fare better.
    const heatmap = path.posix.join(HEATMAP_FOLDER, uniqueName(heatmapNames, info.sopInstanceUid));
    await writeFileAtomically(await containedPath(out, heatmap), verdict.png);
    // The file decides the UID: one a CSV cell cannot hold is left out of submission.csv only (results.json has it).
    if (isTableValue(info.sopInstanceUid)) submission.push({ imageId: info.sopInstanceUid, encodedPixels: verdict.encodedPixels });
    const { preprocessMs, modelMs, postprocessMs } = inference.timings;
    return {
      path: file,
      status: 'ok',
      sopInstanceUid: info.sopInstanceUid,
      studyInstanceUid: info.studyInstanceUid,
      seriesInstanceUid: info.seriesInstanceUid,
      rows: image.rows,
      columns: image.columns,
      flag: result.flag,
      words: decision.words,
      score: result.score,
      maxProbability: result.maxProbability,
      heldBack: result.heldBack,
      demonstrationModel: decision.demonstrationModel,
      nonEmptyProbability: inference.classifierProbability,
      areaPixels: result.areaPixels,
      areaMm2: result.areaMm2,
      side: result.side,
      findings: result.findings,
      rule: result.rule,
      heatmap,
      timings: { decodeMs: image.decodeMs, preprocessMs, modelMs, postprocessMs: postprocessMs + performance.now() - start },
    };
  };

  try {
    await runPipeline<string, DecodedImage, Inferred>(
      files,
      {
        decode: (file) => pool.decode(file),
        async infer(image) {
          const reason = notAssessedReason(image.info, intendedUse);
          if (reason !== null) return { notAssessedReason: reason };
          return { inference: await inferRadiograph(toRadiograph(image), models, { tta, weights, output: 'source', stacking: options.stacking ?? undefined }) };
        },
        async finish(file, outcome) {
          const start = performance.now();
          let entry: ImageEntry;
          if (!outcome.ok) entry = failed(file, outcome.error, outcome.stage === 'infer');
          else if ('notAssessedReason' in outcome.inferred) entry = notAssessed(file, outcome.decoded, outcome.inferred.notAssessedReason);
          else entry = await finishImage(file, outcome.decoded, outcome.inferred.inference);
          entries.push(entry);
          const ms = entry.status === 'ok' ? Object.values(entry.timings).reduce((a, b) => a + b, 0) : performance.now() - start;
          options.onProgress?.({ done: entries.length, total, entry, ms });
        },
      },
      options,
    );
  } finally {
    await pool.close();
  }

  await writeFileAtomically(path.join(out, SUBMISSION_FILE), formatSubmission(submission));
  const report: TriageReport = {
    format: 'pleura-triage',
    formatVersion: 2,
    createdAt: new Date().toISOString(),
    folder: input,
    models: options.members.map(({ dir, card, engine }, k) => ({
      ref: modelRef(card),
      dir,
      arch: engine.loaded.arch,
      inputSize: models[k].inputSize.rows,
      normalisation: models[k].normalisation,
      weight: weights[k],
      engine: engine.describe(),
    })),
    demonstrationModel: context.demonstration,
    intendedUse,
    tta,
    rule,
    ruleSource,
    images: entries,
    summary: summarise(entries, performance.now() - started),
  };
  await writeFileAtomically(path.join(out, RESULTS_FILE), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

/** Every regular file under the folder, in a stable order; entries that could not be examined become errors. */
async function listFiles(folder: string): Promise<{ files: string[]; unreadable: FailedImage[] }> {
  const files: string[] = [];
  const unreadable: FailedImage[] = [];
  for await (const entry of walkFiles(folder)) {
    if (entry.error) unreadable.push(failed(entry.path, entry.error, false));
    else files.push(entry.path);
  }
  return { files: files.sort(), unreadable };
}

/** What the infer stage gives: the ensemble's output, or why the image was not sent to it. */
type Inferred = { inference: InferenceResult } | { notAssessedReason: string };

function notAssessed(file: string, { info }: DecodedImage, reason: string): NotAssessedImage {
  const { sopInstanceUid, studyInstanceUid, seriesInstanceUid } = info;
  return { path: file, status: 'not-assessed', sopInstanceUid, studyInstanceUid, seriesInstanceUid, flag: 'not-assessed', notAssessedReason: reason, words: notAssessedWords(reason) };
}

function failed(file: string, error: unknown, decoded: boolean): FailedImage {
  return { path: file, status: 'error', error: imageError(error, file, decoded) };
}

/** `<SOP Instance UID>.png` (a hash for a UID that is not well formed), unique within the run (copies share a UID). */
function uniqueName(taken: Set<string>, uid: string): string {
  const base = uidFileStem(uid);
  let name = `${base}.png`;
  for (let copy = 2; taken.has(name); copy++) name = `${base}_${copy}.png`;
  taken.add(name);
  return name;
}

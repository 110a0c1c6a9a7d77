// One workstation triage job: the models loaded once (in inference workers), every queued image decoded, inferred
// and judged through the overlapping pipeline, each verdict or error stored as it comes. Images queued while the job
// runs join it; an abort lets the image in the model finish and leaves the rest queued for the caller to settle.
import { inferRadiograph, normaliseWeights, type InferenceResult } from '../../ml/infer';
import { resizeBilinear } from '../../ml/preprocess';
import type { EngineName } from '../../ml/runtime/engine';
import type { DecodedImage, EngineChoice } from '../api/contract';
import { disposeEnsemble, inferenceModels, loadEnsemble, type EnsembleMember } from '../inference/load-ensemble';
import { toRadiograph } from '../inference/radiograph';
import { createDecodePool } from '../studies/decode-pool';
import { notAssessedReason } from './intended-use';
import { runPipeline } from './pipeline';
import type { TriageStore, TriageTarget, VerdictRecord } from './results-store';
import { resolveRule } from './rule-choice';
import type { JobConfig } from './triage-config';
import { imageError, judgeImage, quantiseProbabilities } from './verdict';

export interface JobRun {
  store: TriageStore;
  config: JobConfig;
  engine: EngineChoice;
  /** taken from the front as the job goes; the service appends to it while the job runs */
  queue: TriageTarget[];
  signal: AbortSignal;
  onReady(engine: string): void;
  onImage(target: TriageTarget, failed: boolean): void;
}

export async function runTriageJob(run: JobRun): Promise<void> {
  const members = await loadMembers(run.config.dirs, run.engine);
  try {
    const { rule } = resolveRule(run.config.ruleChoice, members);
    const models = inferenceModels(members, null);
    const weights = normaliseWeights(members.length, run.config.weights);
    const { engine, backend } = members[0].engine.describe();
    run.onReady(`${engine} (${backend})`);
    const pool = createDecodePool({ size: 1 });
    const { store, config } = run;

    const verdictOf = (image: DecodedImage, inference: InferenceResult): VerdictRecord => {
      // The heatmap is kept at the model's size (what the model saw); the rule runs at the image's size.
      const { probabilities } = inference;
      const atSource = resizeBilinear(probabilities, image.rows, image.columns);
      const { result, encodedPixels, measuredWith } = judgeImage(image, atSource, inference.classifierProbability, rule);
      return {
        flag: result.flag,
        score: result.score,
        areaPixels: result.areaPixels,
        areaMm2: result.areaMm2,
        side: result.side === 'unknown' ? null : result.side,
        maxProbability: result.maxProbability,
        heldBack: result.heldBack,
        ...measuredWith,
        findings: result.findings,
        mask: { rows: image.rows, columns: image.columns, rle: encodedPixels },
        heatmap: { rows: probabilities.rows, columns: probabilities.columns, data: quantiseProbabilities(probabilities) },
      };
    };

    try {
      while (run.queue.length > 0 && !run.signal.aborted) {
        const batch = run.queue.splice(0, run.queue.length);
        await runPipeline<TriageTarget, DecodedImage, InferenceResult>(
          batch,
          {
            decode: (target) => pool.decode(target.path),
            infer(image, index) {
              // The index chose these images by their tags; a file changed since its scan is still never sent to a model.
              const outside = notAssessedReason(image.info, config.intendedUse);
              if (outside) throw new Error(`not assessed (${outside}): the file changed since it was indexed; rescan its folder`);
              store.markRunning(batch[index].instanceId);
              return inferRadiograph(toRadiograph(image), models, { tta: config.tta, weights, output: 'model', stacking: config.stacking ?? undefined });
            },
            async finish(target, outcome) {
              let error: { code: string; message: string } | null = null;
              if (outcome.ok) {
                try {
                  store.saveVerdict(target.instanceId, config, verdictOf(outcome.decoded, outcome.inferred), new Date());
                } catch (failure) {
                  error = imageError(failure, target.path, true);
                }
              } else {
                error = imageError(outcome.error, target.path, outcome.stage === 'infer');
              }
              if (error) store.saveError(target.instanceId, config, error, new Date());
              run.onImage(target, error !== null);
            },
          },
          { signal: run.signal },
        );
      }
    } finally {
      await pool.close();
    }
  } finally {
    await disposeEnsemble(members);
  }
}

/** 'auto' prefers onnxruntime (the faster on a CPU) and falls back to TF.js where onnxruntime cannot load the model. */
async function loadMembers(dirs: readonly string[], choice: EngineChoice): Promise<EnsembleMember[]> {
  const engines: EngineName[] = choice === 'auto' ? ['onnx', 'tfjs'] : [choice];
  for (const [k, engine] of engines.entries()) {
    try {
      return await loadEnsemble(dirs, { engine });
    } catch (error) {
      if (k === engines.length - 1) throw error;
    }
  }
  throw new Error('no engine to load the models with');
}

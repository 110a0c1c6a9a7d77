// Learning from unlabelled studies (section "semi", run only when named): the light U-Net trained from scratch on
// 16 labelled phantoms alone, then with 160 unlabelled phantoms by the 3rd place's pseudo-labels (the teacher is
// the 16-alone model: a first training on the labelled images) and by the 5th place's mean teacher — same seed,
// same optimiser steps, same plan — each scored with the challenge metric on 60 fresh phantoms (a seed no training
// saw) at science.md's validation-best rule (0.75, 2000, 0.3; areas scaled to the size) and at the best point of
// its grid. The goal: either method at least 0.03 above the labelled-only model. Two fresh sets are scored (seeds
// 90000 and 95000): the consistency weight was chosen on the first, so the second is the one nothing was tuned on.
// Beside them, what an empty answer scores on each set (its share of negatives): a gain that only reaches that
// figure is a model learning to say nothing.
// Environment: PLEURA_BENCH_SEMI_STEPS (default 800: about 12 minutes here), PLEURA_BENCH_SEMI_SIZE (default 128),
// PLEURA_BENCH_SEMI_METHODS (default "pseudo-labels,mean-teacher"), PLEURA_BENCH_SEMI_WEIGHT (the consistency
// weight; default the product's, 1).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { demoPlan } from '../../main/training/default-model';
import { buildArchitecture } from '../../ml/io/new-model';
import { initialWeights, type ModelDefinition } from '../../ml/models';
import { DEFAULT_POSITIVE_FRACTION, renderPhantom } from '../../ml/phantoms';
import { rulePresets } from '../../ml/post';
import { toTrainingItem, type TrainingItem, type UnlabelledItem } from '../../ml/train/dataset';
import { createOnnxTrainingEngine } from '../../ml/train/engines/onnx';
import { Plan } from '../../ml/train/plans';
import { MEAN_TEACHER_DEFAULTS, type MeanTeacherOption } from '../../ml/train/semi/mean-teacher';
import { pseudoLabel, PSEUDO_LABEL_CONFIDENCE } from '../../ml/train/semi/pseudo-labels';
import { trainModel } from '../../ml/train/trainer';
import { validate } from '../../ml/train/validation';

const LABELLED = 16;
const UNLABELLED = 160;
const TEST = 60;
/** Phantoms of their own seed whose best grid point each model then uses on the test set, as a model card's triplet. */
const VALIDATION = 40;
const SEEDS = { labelled: 1000, unlabelled: 20_000, validation: 60_000, tests: [90_000, 95_000], run: 7 };
/** Phantoms are drawn at 256 and resized to the training size once, as the demonstration model's are. */
const PHANTOM_SIZE = 256;
const BATCH = 4;

const env = process.env;

export async function semiBench(): Promise<unknown> {
  const steps = Number(env.PLEURA_BENCH_SEMI_STEPS ?? 800);
  const size = Number(env.PLEURA_BENCH_SEMI_SIZE ?? 128);
  const methods = (env.PLEURA_BENCH_SEMI_METHODS ?? 'pseudo-labels,mean-teacher').split(',').map((s) => s.trim());
  const definition = buildArchitecture('unet-light', {}, size);
  const phantoms = (count: number, seed: number, positiveFraction: number) =>
    Array.from({ length: count }, (_, i) => {
      const p = renderPhantom(seed + i, { rows: PHANTOM_SIZE, positiveFraction });
      const mask = { rows: PHANTOM_SIZE, columns: PHANTOM_SIZE, data: p.mask };
      return toTrainingItem({ id: `phantom-${seed + i}`, patientId: `phantom-${seed + i}`, image: p.image, mask }, size);
    });
  // Half the labelled ones positive (as the demonstration model's set: a fifth of 16 is too few to learn from); the
  // unlabelled and the fresh ones at the phantoms' usual fifth, as a workstation's studies would come.
  const labelled = phantoms(LABELLED, SEEDS.labelled, 0.5);
  const unlabelledTruth = phantoms(UNLABELLED, SEEDS.unlabelled, DEFAULT_POSITIVE_FRACTION);
  const trulyPositive = new Set(unlabelledTruth.filter((i) => i.positive).map((i) => i.id));
  const unlabelled: UnlabelledItem[] = unlabelledTruth.map(({ id, patientId, image }) => ({ id, patientId, image }));
  const tests = SEEDS.tests.map((seed) => ({ seed, items: phantoms(TEST, seed, DEFAULT_POSITIVE_FRACTION) }));
  const validation = phantoms(VALIDATION, SEEDS.validation, DEFAULT_POSITIVE_FRACTION);
  const root = await mkdtemp(path.join(os.tmpdir(), 'pleura-bench-semi-'));
  try {
    const train = (name: string, items: TrainingItem[], meanTeacher?: MeanTeacherOption) =>
      trainOnce(path.join(root, name), definition, { train: items, unlabelled }, { steps, size, meanTeacher }, { validation, tests });
    const out: Record<string, unknown> = {
      setup: { arch: 'unet-light', size, steps, batch: BATCH, labelled: LABELLED, unlabelled: UNLABELLED, test: TEST, seeds: SEEDS, labelledPositives: labelled.filter((i) => i.positive).length, testPositives: tests.map((t) => t.items.filter((i) => i.positive).length), emptyAnswerScores: tests.map((t) => round(t.items.filter((i) => !i.positive).length / t.items.length)) },
    };
    const alone = await train('alone', labelled);
    out.labelledOnly = alone.figures;
    const gain = (figures: Figures) =>
      figures.tests.map((t, i) => {
        const base = alone.figures.tests[i];
        return { seed: t.seed, atRule: round(t.atRule - base.atRule), atValidationTriplet: round(t.atValidationTriplet - base.atValidationTriplet), atBestGridPoint: round(t.atBestGridPoint - base.atBestGridPoint) };
      });
    if (methods.includes('pseudo-labels')) {
      const engine = await createOnnxTrainingEngine(definition, alone.weights, { size, providers: ['cpu'], threads: os.availableParallelism() });
      const rule = rulePresets['validation-best'];
      const { items, selection } = await pseudoLabel(engine, unlabelled, labelled.length, { rule, ...PSEUDO_LABEL_CONFIDENCE }).finally(() => engine.dispose());
      const withPseudo = await train('pseudo-labels', [...labelled, ...items]);
      out.pseudoLabels = { ...withPseudo.figures, kept: { positives: items.filter((i) => i.positive).length, negatives: items.filter((i) => !i.positive).length, truePositives: items.filter((i) => i.positive && trulyPositive.has(i.id)).length, trueNegatives: items.filter((i) => !i.positive && !trulyPositive.has(i.id)).length }, confident: selection.confident, gain: gain(withPseudo.figures) };
    }
    if (methods.includes('mean-teacher')) {
      const weight = Number(env.PLEURA_BENCH_SEMI_WEIGHT ?? MEAN_TEACHER_DEFAULTS.weight);
      const option = { ...MEAN_TEACHER_DEFAULTS, weight, batchSize: BATCH, rampUpSteps: Math.min(MEAN_TEACHER_DEFAULTS.rampUpSteps, Math.round(steps / 2)) };
      const withTeacher = await train('mean-teacher', labelled, option);
      out.meanTeacher = { ...withTeacher.figures, option, gain: gain(withTeacher.figures) };
    }
    return out;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Per test set — atRule: at (0.75, 2000, 0.3); atValidationTriplet: at the best grid point on the validation phantoms; atBestGridPoint: at the test set's own best (optimistic). */
type TestFigures = { seed: number; atRule: number; atValidationTriplet: number; atBestGridPoint: number; bestGridPoint: unknown };
type Figures = { validationTriplet: unknown; tests: TestFigures[]; seconds: number };

async function trainOnce(
  dir: string,
  definition: ModelDefinition,
  data: { train: TrainingItem[]; unlabelled: UnlabelledItem[] },
  run: { steps: number; size: number; meanTeacher?: MeanTeacherOption },
  scoring: { validation: TrainingItem[]; tests: { seed: number; items: TrainingItem[] }[] },
): Promise<{ figures: Figures; weights: Map<string, Float32Array> }> {
  const outcome = await trainModel(
    { train: data.train, validation: [], unlabelled: data.unlabelled },
    {
      definition,
      weights: initialWeights(definition.graph, SEEDS.run),
      plan: benchPlan(run.steps, run.meanTeacher),
      size: run.size,
      seed: SEEDS.run,
      checkpointsDir: path.join(dir, 'checkpoints'),
      checkpointEvery: 0,
      resume: false,
      fingerprint: 'bench-semi',
      maxSteps: run.steps,
      validation: 'none',
      createEngine: (weights) => createOnnxTrainingEngine(definition, weights, { size: run.size, providers: ['cpu'], threads: os.availableParallelism() }),
    },
    { onProgress: (p) => p.globalStep % 50 === 0 && p.valDice === undefined && process.stderr.write(`bench: semi: ${path.basename(dir)} step ${p.globalStep}/${run.steps}, loss ${p.loss.toFixed(4)}\n`) },
  );
  const engine = await createOnnxTrainingEngine(definition, outcome.weights, { size: run.size, providers: ['cpu'], threads: os.availableParallelism() });
  try {
    const { top, minArea, bottom } = (await validate(engine, scoring.validation, { batchSize: 4 })).best;
    const tests: TestFigures[] = [];
    for (const { seed, items } of scoring.tests) {
      const scored = await validate(engine, items, { batchSize: 4, triplet: { top, minArea, bottom } });
      const atRule = await validate(engine, items, { batchSize: 4 });
      tests.push({ seed, atRule: round(atRule.dice), atValidationTriplet: round(scored.dice), atBestGridPoint: round(scored.best.score), bestGridPoint: { top: scored.best.top, minArea: scored.best.minArea, bottom: scored.best.bottom } });
    }
    return {
      figures: { validationTriplet: { top, minArea, bottom }, tests, seconds: Math.round(outcome.seconds) },
      weights: outcome.weights,
    };
  } finally {
    await engine.dispose();
  }
}

/**
 * The demonstration model's recipe (main/training/default-model.ts demoPlan) cut to a step count: Adam 1e-3 with
 * one cosine half period to 1e-5 over the run, the 'even' combo, clipping 1, the sliding share 0.8 → 0.5. Epochs
 * are counted in the sampler's epochs of 16 labelled phantoms (8 positives: 8 + 8 images, 4 steps at batch 4).
 */
function benchPlan(steps: number, meanTeacher?: MeanTeacherOption): Plan {
  const plan = demoPlan(Math.ceil(steps / 4), BATCH);
  return Plan.parse({ ...plan, name: 'bench-semi', topK: 1, stages: plan.stages.map((stage) => ({ ...stage, ...(meanTeacher ? { meanTeacher } : {}) })) });
}

function round(value: number): number {
  return Math.round(value * 1e4) / 1e4;
}

// Learning from unlabelled studies (section "semi", run only when named): the light U-Net trained from scratch on
// 16 labelled phantoms alone, then with 160 unlabelled phantoms by the 3rd place's pseudo-labels (the teacher is
// the 16-alone model: a first training on the labelled images) and by the 5th place's mean teacher — same seed,
// same optimiser steps, same plan — each scored with the challenge metric on 60 fresh phantoms (a seed no training
// saw) at science.md's validation-best rule (0.75, 2000, 0.3; areas scaled to the size) and at the best point of
// its grid. The goal: either method at least 0.03 above the labelled-only model. Two fresh sets are scored (seeds
// 90000 and 95000): the consistency weight was chosen on the first, so the second is the one nothing was tuned on.
// Beside them, what an empty answer scores on each set (its share of negatives): a gain that only reaches that
// figure is a model learning to say nothing.
// At 16 labelled images one training's figure moves with its seed by more than the goal, so the comparison is
// repeated for several run seeds (initial weights, batches, augmentation, unlabelled draws) with the same data, and
// `summary` gives each method's gain over the labelled-only model of the same seed: mean, standard deviation, and
// how many seeds reached +0.03. `allLabelled` is the ceiling: the same steps on the 16 and the 160 with their true
// masks, which is what reviewing every unlabelled study would give.
// Environment: PLEURA_BENCH_SEMI_RUNS (run seeds, default "7,8,9,10,11": about 10 minutes each here),
// PLEURA_BENCH_SEMI_STEPS (default 800), PLEURA_BENCH_SEMI_SIZE (default 128), PLEURA_BENCH_SEMI_METHODS (default
// "pseudo-labels,mean-teacher,all-labelled"), PLEURA_BENCH_SEMI_WEIGHT (the consistency weight; default the product's, 1).
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
import { epochSize } from '../../ml/train/sampler';
import { MEAN_TEACHER_DEFAULTS, type MeanTeacherOption } from '../../ml/train/semi/mean-teacher';
import { pseudoLabel, PSEUDO_LABEL_CONFIDENCE } from '../../ml/train/semi/pseudo-labels';
import { trainModel } from '../../ml/train/trainer';
import { validate } from '../../ml/train/validation';

const LABELLED = 16;
const UNLABELLED = 160;
const TEST = 60;
/** Phantoms of their own seed whose best grid point each model then uses on the test set, as a model card's triplet. */
const VALIDATION = 40;
const SEEDS = { labelled: 1000, unlabelled: 20_000, validation: 60_000, tests: [90_000, 95_000] };
/** The goal's margin over the labelled-only model. */
const GOAL = 0.03;
/** Phantoms are drawn at 256 and resized to the training size once, as the demonstration model's are. */
const PHANTOM_SIZE = 256;
const BATCH = 4;

const env = process.env;

export async function semiBench(): Promise<unknown> {
  const steps = Number(env.PLEURA_BENCH_SEMI_STEPS ?? 800);
  const size = Number(env.PLEURA_BENCH_SEMI_SIZE ?? 128);
  const methods = (env.PLEURA_BENCH_SEMI_METHODS ?? 'pseudo-labels,mean-teacher,all-labelled').split(',').map((s) => s.trim());
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
  const runSeeds = (env.PLEURA_BENCH_SEMI_RUNS ?? '7,8,9,10,11').split(',').map((s) => Number(s.trim()));
  if (!runSeeds.length || runSeeds.some((seed) => !Number.isSafeInteger(seed))) throw new Error(`PLEURA_BENCH_SEMI_RUNS: expected run seeds as integers separated by commas, got "${env.PLEURA_BENCH_SEMI_RUNS}"`);
  const root = await mkdtemp(path.join(os.tmpdir(), 'pleura-bench-semi-'));
  try {
    const runs: Record<string, unknown>[] = [];
    const scored: Record<string, Figures[]> = {};
    for (const runSeed of runSeeds) {
      const train = async (method: string, items: TrainingItem[], meanTeacher?: MeanTeacherOption) => {
        const trained = await trainOnce(path.join(root, `${runSeed}-${method}`), definition, { train: items, unlabelled }, { steps, size, seed: runSeed, meanTeacher }, { validation, tests });
        (scored[method] ??= []).push(trained.figures);
        return trained;
      };
      const alone = await train('labelledOnly', labelled);
      const run: Record<string, unknown> = { seed: runSeed, labelledOnly: alone.figures };
      if (methods.includes('pseudo-labels')) {
        const engine = await createOnnxTrainingEngine(definition, alone.weights, { size, providers: ['cpu'], threads: os.availableParallelism() });
        const rule = rulePresets['validation-best'];
        const { items, selection } = await pseudoLabel(engine, unlabelled, labelled.length, { rule, ...PSEUDO_LABEL_CONFIDENCE }).finally(() => engine.dispose());
        const withPseudo = await train('pseudoLabels', [...labelled, ...items]);
        run.pseudoLabels = { ...withPseudo.figures, kept: { positives: items.filter((i) => i.positive).length, negatives: items.filter((i) => !i.positive).length, truePositives: items.filter((i) => i.positive && trulyPositive.has(i.id)).length, trueNegatives: items.filter((i) => !i.positive && !trulyPositive.has(i.id)).length }, confident: selection.confident };
      }
      if (methods.includes('mean-teacher')) {
        const weight = Number(env.PLEURA_BENCH_SEMI_WEIGHT ?? MEAN_TEACHER_DEFAULTS.weight);
        const option = { ...MEAN_TEACHER_DEFAULTS, weight, batchSize: BATCH, rampUpSteps: Math.min(MEAN_TEACHER_DEFAULTS.rampUpSteps, Math.round(steps / 2)) };
        run.meanTeacher = { ...(await train('meanTeacher', labelled, option)).figures, option };
      }
      // The ceiling: the unlabelled phantoms with their true masks, as if every one had been reviewed.
      if (methods.includes('all-labelled')) run.allLabelled = (await train('allLabelled', [...labelled, ...unlabelledTruth])).figures;
      runs.push(run);
    }
    return {
      setup: { arch: 'unet-light', size, steps, batch: BATCH, labelled: LABELLED, unlabelled: UNLABELLED, test: TEST, seeds: { ...SEEDS, runs: runSeeds }, labelledPositives: labelled.filter((i) => i.positive).length, testPositives: tests.map((t) => t.items.filter((i) => i.positive).length), emptyAnswerScores: tests.map((t) => round(t.items.filter((i) => !i.positive).length / t.items.length)) },
      summary: Object.fromEntries(Object.entries(scored).map(([method, figures]) => [method, summarise(figures, scored.labelledOnly)])),
      runs,
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const SCORINGS = ['atRule', 'atValidationTriplet', 'atBestGridPoint'] as const;

/**
 * Per fresh set and scoring, over the run seeds: a method's mean score and, against the labelled-only model of the
 * same seed, its gain's mean, sample standard deviation and the seeds that reached the goal.
 */
function summarise(method: Figures[], labelledOnly: Figures[]) {
  const stats = (values: number[]) => {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = values.length > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1)) : 0;
    return { mean: round(mean), sd: round(sd), atGoal: `${values.filter((v) => v >= GOAL).length} of ${values.length}` };
  };
  return method[0].tests.map(({ seed }, t) => ({
    seed,
    ...Object.fromEntries(
      SCORINGS.map((scoring) => {
        const scores = method.map((run) => run.tests[t][scoring]);
        const score = round(scores.reduce((a, b) => a + b, 0) / scores.length);
        if (method === labelledOnly) return [scoring, { score }];
        return [scoring, { score, gain: stats(scores.map((value, r) => value - labelledOnly[r].tests[t][scoring])) }];
      }),
    ),
  }));
}

/** Per test set — atRule: at (0.75, 2000, 0.3); atValidationTriplet: at the best grid point on the validation phantoms; atBestGridPoint: at the test set's own best (optimistic). */
type TestFigures = { seed: number; atRule: number; atValidationTriplet: number; atBestGridPoint: number; bestGridPoint: unknown };
type Figures = { validationTriplet: unknown; tests: TestFigures[]; steps: number; epochs: number; seconds: number };

async function trainOnce(
  dir: string,
  definition: ModelDefinition,
  data: { train: TrainingItem[]; unlabelled: UnlabelledItem[] },
  run: { steps: number; size: number; seed: number; meanTeacher?: MeanTeacherOption },
  scoring: { validation: TrainingItem[]; tests: { seed: number; items: TrainingItem[] }[] },
): Promise<{ figures: Figures; weights: Map<string, Float32Array> }> {
  const outcome = await trainModel(
    { train: data.train, validation: [], unlabelled: data.unlabelled },
    {
      definition,
      weights: initialWeights(definition.graph, run.seed),
      plan: benchPlan(run.steps, data.train, run.meanTeacher),
      size: run.size,
      seed: run.seed,
      checkpointsDir: path.join(dir, 'checkpoints'),
      checkpointEvery: 0,
      resume: false,
      fingerprint: 'bench-semi',
      maxSteps: run.steps,
      validation: 'none',
      createEngine: (weights) => createOnnxTrainingEngine(definition, weights, { size: run.size, providers: ['cpu'], threads: os.availableParallelism() }),
    },
    { onProgress: (p) => p.globalStep % 50 === 0 && p.valDice === undefined && process.stderr.write(`bench: semi: run ${path.basename(dir)} step ${p.globalStep}/${run.steps}, loss ${p.loss.toFixed(4)}\n`) },
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
      figures: { validationTriplet: { top, minArea, bottom }, tests, steps: outcome.steps, epochs: outcome.plan.stages[0].epochs, seconds: Math.round(outcome.seconds) },
      weights: outcome.weights,
    };
  } finally {
    await engine.dispose();
  }
}

/**
 * The demonstration model's recipe (main/training/default-model.ts demoPlan) fitted to a step count: Adam 1e-3 with
 * one cosine half period to 1e-5, the 'even' combo, clipping 1, the sliding share 0.8 → 0.5, over the fewest epochs
 * whose sampler epochs (every positive plus the share's negatives) reach `steps`; the step limit ends the last one.
 * Epochs are sized by each run's own training set, so every run takes the same number of steps through its whole
 * schedule: a plan of fixed epochs would give the 16 labelled phantoms fewer steps than the goal's (6 positives make
 * 2–3 steps an epoch) and a set with pseudo-labels or all 176 true masks more, stopped early in the schedule.
 */
function benchPlan(steps: number, train: readonly TrainingItem[], meanTeacher?: MeanTeacherOption): Plan {
  const positives = train.filter((item) => item.positive).length;
  for (let epochs = 1; ; epochs++) {
    const plan = demoPlan(epochs, BATCH);
    const [stage] = plan.stages;
    let total = 0;
    for (let epoch = 0; epoch < epochs; epoch++) total += Math.ceil(epochSize(positives, train.length, stage.positiveShare, epoch) / BATCH);
    if (total >= steps) return Plan.parse({ ...plan, name: 'bench-semi', topK: 1, stages: [{ ...stage, ...(meanTeacher ? { meanTeacher } : {}) }] });
  }
}

function round(value: number): number {
  return Math.round(value * 1e4) / 1e4;
}

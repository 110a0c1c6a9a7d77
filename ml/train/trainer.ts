// The training loop (science.md, "Training schedule"): a plan's stages in order, each with its own optimiser,
// scheduler, positive share and loss; every epoch sampled, augmented, stepped, validated, scored for the top-k and
// early stopping; everything that decides what happens next checkpointed, so a resumed run continues with exactly
// the sequence an uninterrupted one would have produced (bit-identical on the cpu backend).
import type { GridPoint } from '../post';
import type { ModelDefinition, WeightMap } from '../models';
import { Rng } from '../random';
import { createTrainingAugmentation } from './augment';
import {
  latestCheckpoint,
  pruneStepCheckpoints,
  readCheckpoint,
  removeCheckpoint,
  stepCheckpointName,
  writeCheckpoint,
} from './checkpoint';
import type { TrainingItem, UnlabelledItem } from './dataset';
import type { ConsistencyBatch, StageTrainer, TrainingEngine } from './engines/types';
import { withMemoryAdvice } from './loop/memory';
import type { EmaState } from './ema';
import { requiresClsLogit } from './losses';
import { keepTopK, observeScore, startEarlyStopping, type EarlyStopping, type RankedCheckpoint } from './model-selection';
import type { OptimState } from './optim';
import { withEpochs, type Plan, type Stage } from './plans';
import { epochOrder, epochSize } from './sampler';
import { createScheduler, type Scheduler, type SchedulerState } from './schedules';
import { consistencyWeight } from './semi/mean-teacher';
import { validate } from './validation';

export type TrainerConfig = {
  definition: ModelDefinition;
  /** the starting weights (random initialisation or --init); ignored when resuming */
  weights: WeightMap;
  plan: Plan;
  /** the square size the items are at */
  size: number;
  /** the run's epochs in all, shared among the stages in proportion to their length (plans.ts withEpochs) */
  epochs?: number;
  /** replaces every stage's batch size */
  batchSize?: number;
  seed: number;
  /** MODELDIR/checkpoints */
  checkpointsDir: string;
  /** also checkpoint every N optimiser steps (0: at epoch ends only) */
  checkpointEvery: number;
  resume: boolean;
  /**
   * What must not change between a run and its resumption (data, fold, architecture, plan, size, seed): a resume
   * with another fingerprint is refused instead of silently mixing two runs.
   */
  fingerprint: string;
  /** the engine that trains, built on the starting (or resumed) weights */
  createEngine: (weights: ReadonlyMap<string, Float32Array>) => Promise<TrainingEngine>;
  /** stop after this many optimiser steps in all (the epoch in progress ends there) */
  maxSteps?: number;
  /** 'none': no validation split; every epoch is scored by its position and the last one is kept */
  validation?: 'fold' | 'none';
};

/** What a run trains on: labelled items, the validation fold and, for a mean teacher, unlabelled images. */
export type TrainerData = { train: readonly TrainingItem[]; validation: readonly TrainingItem[]; unlabelled?: readonly UnlabelledItem[] };

export type TrainingProgress = {
  /** 0-based stage index, with the stage's name and the plan's stage count */
  stage: number;
  stageName: string;
  stages: number;
  /** 1-based epoch within the stage, and the stage's epoch count */
  epoch: number;
  epochs: number;
  /** optimiser steps done in this epoch, out of stepsInEpoch */
  step: number;
  stepsInEpoch: number;
  globalStep: number;
  loss: number;
  lr: number;
  /** set on the report that ends an epoch (null when the run does not validate) */
  valDice?: number | null;
  etaSeconds: number;
  imagesPerSecond: number;
  /** the engine and backend running the steps, e.g. "onnx cpu" or "tfjs wasm" */
  engine: string;
};

export type EpochRecord = {
  stage: number;
  epoch: number;
  loss: number;
  lr: number;
  /** null when the run does not validate */
  valDice: number | null;
  /** the best threshold triplet of this epoch's validation; null without validation */
  best: GridPoint | null;
  seconds: number;
};

export type TrainerHooks = {
  onProgress?: (progress: TrainingProgress) => void;
  signal?: AbortSignal;
};

export type TrainerOutcome = {
  /** the plan as run: its stages cut or stretched to the run's epochs */
  plan: Plan;
  /** the best epoch's weights (the EMA weights when the stage kept an average), state_dict names */
  weights: Map<string, Float32Array>;
  best: EpochRecord;
  history: EpochRecord[];
  steps: number;
  /** training time, interruptions excluded */
  seconds: number;
  /** the engine and backend that trained, and what auto passed over */
  engine: ReturnType<TrainingEngine['describe']>;
};

export class TrainingCancelledError extends Error {
  override name = 'TrainingCancelledError';
  constructor(readonly checkpoint: string) {
    super(`training cancelled; resume from ${checkpoint}`);
  }
}

/** The top-k epochs over the run (best first) and the stage's early stopping. */
type Selection = { kept: RankedCheckpoint[]; early: EarlyStopping };

type LoopState = {
  fingerprint: string;
  stage: number;
  /** 0-based epoch within the stage */
  epoch: number;
  /** steps done in the epoch */
  step: number;
  globalStep: number;
  /** the epoch's sample order (indices into the training items); null before the epoch is drawn */
  order: number[] | null;
  /**
   * the run's generator (draws each epoch's sampling and augmentation seeds), the epoch's augmentation stream and
   * the mean teacher's stream (which unlabelled images each step takes, and their augmentation; absent in
   * checkpoints from before it existed)
   */
  rng: { run: number; augment: number; unlabelled?: number };
  weights: Map<string, Float32Array>;
  optimizer: OptimState | null;
  scheduler: SchedulerState;
  ema: EmaState | null;
  /** the mean teacher's weights (absent in checkpoints from before it existed) */
  teacher?: EmaState | null;
  selection: Selection;
  /** early stopping ended the stage (its last checkpoint already written) */
  stopStage: boolean;
  history: EpochRecord[];
  epochLoss: { sum: number; count: number };
  seconds: number;
};

const RESUME_CHECKPOINTS_KEPT = 2;

export async function trainModel(
  data: TrainerData,
  config: TrainerConfig,
  hooks: TrainerHooks = {},
): Promise<TrainerOutcome> {
  const plan = config.epochs === undefined ? config.plan : withEpochs(config.plan, config.epochs);
  checkConfig(data, { ...config, plan });
  config = { ...config, plan };
  const state = config.resume ? await resumeState(config) : freshState(config);
  const engine = await config.createEngine(state.weights);
  state.weights = new Map(); // the engine holds them now; the state's copy is refreshed at each checkpoint
  const augmentation = createTrainingAugmentation(config.size);
  const clock = etaClock(data.train, config);
  try {
    while (state.stage < plan.stages.length && !stepsDone(state, config)) {
      const stage = plan.stages[state.stage];
      const run = await startStage(engine, stage, state, config);
      try {
        await runStage(engine, run, state, data, config, hooks, augmentation, clock);
        if (!stepsDone(state, config)) await nextStage(engine, state, config);
      } finally {
        await run.trainer.dispose();
      }
    }
    const best = state.selection.kept[0];
    const weights = (await readCheckpoint<{ weights: Map<string, Float32Array> }>(`${config.checkpointsDir}/${best.name}`)).weights;
    const record = state.history.find((r) => topName(r) === best.name)!;
    return { plan, weights, best: record, history: state.history, steps: state.globalStep, seconds: state.seconds, engine: engine.describe() };
  } finally {
    await engine.dispose();
  }
}

type StageRun = {
  stage: Stage;
  trainer: StageTrainer;
  scheduler: Scheduler;
  batchSize: number;
};

function stepsDone(state: LoopState, config: TrainerConfig): boolean {
  return config.maxSteps !== undefined && state.globalStep >= config.maxSteps;
}

async function startStage(engine: TrainingEngine, stage: Stage, state: LoopState, config: TrainerConfig): Promise<StageRun> {
  const batchSize = config.batchSize ?? stage.batchSize;
  const trainer = await engine.startStage({ ...stage, batchSize }, { optimizer: state.optimizer, ema: state.ema, teacher: state.teacher ?? null });
  const scheduler = createScheduler(stage.scheduler, stage.lr);
  scheduler.load(state.scheduler);
  return { stage, trainer, scheduler, batchSize };
}

/** Runs the stage's remaining epochs, or until early stopping (or the run's step limit) ends it. */
async function runStage(
  engine: TrainingEngine,
  run: StageRun,
  state: LoopState,
  data: TrainerData,
  config: TrainerConfig,
  hooks: TrainerHooks,
  augmentation: ReturnType<typeof createTrainingAugmentation>,
  clock: EtaClock,
): Promise<void> {
  const { stage, batchSize, trainer } = run;
  const epochs = stage.epochs;
  const memory = { arch: config.definition.metadata.arch, size: config.size, batchSize };
  const averaging = () => trainer.average !== null && state.epoch >= stage.ema!.startEpoch;
  while (state.epoch < epochs && !state.stopStage && !stepsDone(state, config)) {
    const epochStarted = performance.now();
    if (!state.order) {
      const runRng = Rng.fromState(state.rng.run);
      state.order = epochOrder(data.train, stage.positiveShare, state.epoch, runRng.fork());
      const augment = runRng.fork();
      state.rng = { run: runRng.state, augment: augment.state };
      if (trainer.average && state.epoch === stage.ema!.startEpoch) await trainer.average.reset();
    }
    const order = state.order;
    const stepsInEpoch = Math.ceil(order.length / batchSize);
    while (state.step < stepsInEpoch && !stepsDone(state, config)) {
      if (hooks.signal?.aborted) throw new TrainingCancelledError(await checkpointNow(engine, run, state, config));
      const started = performance.now();
      const augmentRng = Rng.fromState(state.rng.augment);
      const batch = order.slice(state.step * batchSize, (state.step + 1) * batchSize).map((index) => {
        const item = data.train[index];
        // Each image draws from its own stream, forked in order: a resumed epoch replays the same draws.
        const rng = augmentRng.fork();
        return stage.augment ? augmentation.apply({ image: item.image, mask: item.mask }, rng) : { image: item.image, mask: item.mask };
      });
      const consistency = stage.meanTeacher ? unlabelledBatch(stage, data.unlabelled!, state, config, augmentation) : undefined;
      const loss = await withMemoryAdvice(memory, () => trainer.step(batch, run.scheduler.lr, consistency));
      if (averaging()) await trainer.average!.update();
      if (trainer.teacher) await trainer.teacher.update();
      state.rng.augment = augmentRng.state;
      state.step++;
      state.globalStep++;
      state.epochLoss.sum += loss;
      state.epochLoss.count++;
      const seconds = (performance.now() - started) / 1000;
      state.seconds += seconds;
      clock.stepDone(seconds);
      hooks.onProgress?.({
        ...position(engine, stage, state, config, stepsInEpoch),
        loss,
        lr: run.scheduler.lr,
        etaSeconds: clock.eta(state, stepsInEpoch),
        imagesPerSecond: batch.length / seconds,
      });
      if (config.checkpointEvery > 0 && state.globalStep % config.checkpointEvery === 0 && state.step < stepsInEpoch) {
        await checkpointNow(engine, run, state, config);
      }
    }
    const validationStarted = performance.now();
    const result =
      config.validation === 'none'
        ? null
        : await withMemoryAdvice(memory, () => {
            const score = () => validate(engine, data.validation, { batchSize });
            return averaging() ? trainer.average!.applied(score) : score();
          });
    clock.validationDone((performance.now() - validationStarted) / 1000);
    const record: EpochRecord = {
      stage: state.stage,
      epoch: state.epoch,
      loss: state.epochLoss.sum / Math.max(1, state.epochLoss.count),
      lr: run.scheduler.lr,
      valDice: result?.dice ?? null,
      best: result?.best ?? null,
      seconds: (performance.now() - epochStarted) / 1000,
    };
    state.history.push(record);
    await keepIfTop(engine, run, state, record, config);
    run.scheduler.step(result?.dice ?? 0);
    state.epoch++;
    state.step = 0;
    state.order = null;
    state.epochLoss = { sum: 0, count: 0 };
    hooks.onProgress?.({
      ...position(engine, stage, state, config, stepsInEpoch),
      epoch: state.epoch,
      step: stepsInEpoch,
      loss: record.loss,
      lr: record.lr,
      valDice: record.valDice,
      etaSeconds: clock.eta(state, stepsInEpoch),
      imagesPerSecond: 0,
    });
    await checkpointNow(engine, run, state, config);
  }
}

/**
 * The mean teacher's images for this step: drawn with replacement from the unlabelled set, augmented as the
 * labelled ones are, from the run's own stream for them (so a resumed run draws the same), with the ramped weight.
 */
function unlabelledBatch(
  stage: Stage,
  unlabelled: readonly UnlabelledItem[],
  state: LoopState,
  config: TrainerConfig,
  augmentation: ReturnType<typeof createTrainingAugmentation>,
): ConsistencyBatch {
  const option = stage.meanTeacher!;
  const rng = Rng.fromState(state.rng.unlabelled ?? unlabelledSeed(config.seed));
  const images = Array.from({ length: option.batchSize }, () => {
    const { image } = unlabelled[rng.int(unlabelled.length)];
    const own = rng.fork();
    if (!stage.augment) return image;
    return augmentation.apply({ image, mask: { rows: image.rows, columns: image.columns, data: new Uint8Array(image.rows * image.columns) } }, own).image;
  });
  state.rng.unlabelled = rng.state;
  return { images, weight: consistencyWeight(option, state.globalStep) };
}

/** The unlabelled stream's start: its own seed, so adding it left every other draw of a run as it was. */
function unlabelledSeed(seed: number): number {
  return new Rng((seed ^ 0x9e3779b9) >>> 0).state;
}

/**
 * Early stopping and top-k: an admitted epoch writes its weights (averaged ones when the stage averages). Without
 * validation an epoch scores by its position, so the last one is kept.
 */
async function keepIfTop(engine: TrainingEngine, run: StageRun, state: LoopState, record: EpochRecord, config: TrainerConfig): Promise<void> {
  const score = record.valDice ?? state.history.length;
  const observed = observeScore(state.selection.early, score, run.stage.earlyStopPatience);
  state.selection.early = observed.state;
  state.stopStage = observed.stop;
  const candidate = { name: topName(record), score, sequence: state.history.length };
  const { kept, admitted, removed } = keepTopK(state.selection.kept, candidate, config.plan.topK);
  if (admitted) {
    const averaged = run.trainer.average !== null && state.epoch >= run.stage.ema!.startEpoch;
    const write = async () => void (await writeCheckpoint(config.checkpointsDir, candidate.name, { weights: await engine.exportWeights() }));
    await (averaged ? run.trainer.average!.applied(write) : write());
  }
  state.selection.kept = kept;
  for (const name of removed) await removeCheckpoint(config.checkpointsDir, name);
}

function topName(record: Pick<EpochRecord, 'stage' | 'epoch'>): string {
  return `top-s${record.stage}-e${String(record.epoch).padStart(4, '0')}`;
}

/** A stage starts from the best weights so far (1st place: each stage fine-tunes the previous stage's best). */
async function nextStage(engine: TrainingEngine, state: LoopState, config: TrainerConfig): Promise<void> {
  state.stage++;
  state.epoch = 0;
  state.step = 0;
  state.order = null;
  state.optimizer = null;
  state.ema = null;
  state.teacher = null;
  state.selection.early = startEarlyStopping();
  state.stopStage = false;
  const stage = config.plan.stages[state.stage];
  if (!stage) return;
  state.scheduler = createScheduler(stage.scheduler, stage.lr).state;
  const best = state.selection.kept[0];
  if (best) {
    const { weights } = await readCheckpoint<{ weights: Map<string, Float32Array> }>(`${config.checkpointsDir}/${best.name}`);
    await engine.loadWeights(weights);
  }
}

async function checkpointNow(engine: TrainingEngine, run: StageRun, state: LoopState, config: TrainerConfig): Promise<string> {
  const snapshot: LoopState = {
    ...state,
    weights: await engine.exportWeights(),
    optimizer: await run.trainer.exportOptimizer(),
    scheduler: run.scheduler.state,
    ema: run.trainer.average ? await run.trainer.average.exportState() : null,
    teacher: run.trainer.teacher ? await run.trainer.teacher.exportState() : null,
  };
  const folder = await writeCheckpoint(config.checkpointsDir, stepCheckpointName(state.globalStep), snapshot);
  await pruneStepCheckpoints(config.checkpointsDir, RESUME_CHECKPOINTS_KEPT);
  return folder;
}

function freshState(config: TrainerConfig): LoopState {
  const first = config.plan.stages[0];
  return {
    fingerprint: config.fingerprint,
    stage: 0,
    epoch: 0,
    step: 0,
    globalStep: 0,
    order: null,
    rng: { run: new Rng(config.seed).state, augment: 0 },
    weights: new Map(config.weights),
    optimizer: null,
    scheduler: createScheduler(first.scheduler, first.lr).state,
    ema: null,
    teacher: null,
    selection: { kept: [], early: startEarlyStopping() },
    stopStage: false,
    history: [],
    epochLoss: { sum: 0, count: 0 },
    seconds: 0,
  };
}

async function resumeState(config: TrainerConfig): Promise<LoopState> {
  const folder = await latestCheckpoint(config.checkpointsDir);
  if (!folder) throw new Error(`nothing to resume: ${config.checkpointsDir} holds no checkpoint`);
  const state = await readCheckpoint<LoopState>(folder);
  if (state.fingerprint !== config.fingerprint) {
    throw new Error(
      `${folder} belongs to another run (its data, fold, architecture, plan, size or seed differ); resume with the same settings or train into another folder`,
    );
  }
  return state;
}

function position(engine: TrainingEngine, stage: Stage, state: LoopState, config: TrainerConfig, stepsInEpoch: number) {
  const { engine: name, backend } = engine.describe();
  return {
    engine: `${name} ${backend}`,
    stage: state.stage,
    stageName: stage.name,
    stages: config.plan.stages.length,
    epoch: state.epoch + 1,
    epochs: stage.epochs,
    step: state.step,
    stepsInEpoch,
    globalStep: state.globalStep,
  };
}

function checkConfig(data: TrainerData, config: TrainerConfig): void {
  if (data.train.length === 0) throw new Error('no training images: the training split is empty');
  const teacherStage = config.plan.stages.find((stage) => stage.meanTeacher);
  if (teacherStage && !data.unlabelled?.length) throw new Error(`stage "${teacherStage.name}" has a mean teacher but the run has no unlabelled images`);
  if (data.validation.length === 0 && config.validation !== 'none') throw new Error('no validation images: the validation split is empty');
  const sampled = config.plan.stages.some((stage) => stage.positiveShare.kind !== 'all');
  if (sampled && !data.train.some((item) => item.positive)) throw new Error('the training split has no image with a pneumothorax; the sampler needs at least one');
  const hasClassifier = config.definition.metadata.outputNames.includes('cls_logit');
  for (const stage of config.plan.stages) {
    if (stage.size !== undefined && stage.size !== config.size) {
      throw new Error(`stage "${stage.name}" trains at ${stage.size}, the run at ${config.size}: continue at another size as its own run (--init MODELDIR --size ${stage.size})`);
    }
    if (requiresClsLogit(stage.loss) && !hasClassifier) {
      throw new Error(`stage "${stage.name}" uses the ${stage.loss.kind} loss, which needs a classification head; ${config.definition.metadata.arch} has none`);
    }
  }
}

type EtaClock = {
  stepDone(seconds: number): void;
  validationDone(seconds: number): void;
  eta(state: LoopState, stepsInEpoch: number): number;
};

/** Remaining time from this session's mean step and validation times and the steps the plan has left. */
function etaClock(train: readonly TrainingItem[], config: TrainerConfig): EtaClock {
  const positives = train.filter((item) => item.positive).length;
  let stepSeconds = 0;
  let steps = 0;
  let validationSeconds = 0;
  const stepsPerEpoch = (stage: Stage, epoch: number) => Math.ceil(epochSize(positives, train.length, stage.positiveShare, epoch) / (config.batchSize ?? stage.batchSize));
  return {
    stepDone(seconds) {
      stepSeconds += seconds;
      steps++;
    },
    validationDone(seconds) {
      validationSeconds = seconds;
    },
    eta(state, stepsInEpoch) {
      // A step limit ends the run early (and a manual plan run by --steps alone has no real epoch count).
      const budget = config.maxSteps === undefined ? Infinity : config.maxSteps - state.globalStep;
      let remainingSteps = Math.min(stepsInEpoch - state.step, budget);
      let remainingEpochs = 1;
      for (let s = state.stage; s < config.plan.stages.length && remainingSteps < budget; s++) {
        const stage = config.plan.stages[s];
        for (let e = s === state.stage ? state.epoch + 1 : 0; e < stage.epochs && remainingSteps < budget; e++) {
          remainingSteps = Math.min(remainingSteps + stepsPerEpoch(stage, e), budget);
          remainingEpochs++;
        }
      }
      return steps ? (remainingSteps * stepSeconds) / steps + remainingEpochs * validationSeconds : 0;
    },
  };
}

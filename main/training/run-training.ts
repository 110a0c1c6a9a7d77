// One training run end to end: check the output folder, choose the backend, build the architecture (fresh or from
// --init), load the data at the training size, split by patient, train (ml/train), and write the result as a Pleura
// model into MODELDIR beside its checkpoints and its JSON-lines log. A model trained from another (--init) keeps
// that model's post-processing rule: the best triplet on a small local validation fold is recorded in its metrics,
// not adopted. It writes nothing outside MODELDIR: the installed models and the current-model pointer are never
// touched (promotion is the settings service's job).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { version } from '../../package.json';
import type { SemiSupervised, TrainingData, TrainingEnd } from '../api/contract';
import { buildArchitecture, versionStamp, type ArchOptionValue } from '../../ml/io/new-model';
import { describeModel, modelRef, type ModelCard } from '../../ml/io/model-card';
import { loadModel } from '../../ml/io/model-store';
import { initialWeights, type WeightMap } from '../../ml/models';
import type { DataSummary, TrainingItem } from '../../ml/train/dataset';
import { splitItems } from '../../ml/train/folds';
import { chooseTrainingEngine, describeTrainingEngine, type TrainingBackend } from '../../ml/train/loop/backend';
import { planPreset, type Plan } from '../../ml/train/plans';
import { trainModel, type EpochRecord, type TrainingProgress } from '../../ml/train/trainer';
import { rulePresets, type GridPoint } from '../../ml/post';
import { loadTrainingSet } from './data';
import { isDemonstrationModel } from '../triage/triage-config';
import { finishedEnd } from './end-reason';
import { openTrainingLog } from './training-log';
import { publishModelBesideCheckpoints } from './publish-model';
import { prepareSemiSupervised, TEACHER_FOLDER, type SemiSupervisedRecord } from './semi-supervised';

export type TrainingConfig = {
  data: TrainingData;
  arch: string;
  archOptions?: Record<string, ArchOptionValue>;
  /** a preset name or a whole plan */
  plan: string | Plan;
  size: number;
  /** the run's epochs in all (shared among the plan's stages); the plan's own when absent */
  epochs?: number;
  /** replaces the plan's batch size */
  batchSize?: number;
  out: string;
  resume: boolean;
  /** a model folder whose weights start the run (continuing at another size: weights are size-independent) */
  init?: string;
  seed: number;
  /** checkpoint every N steps as well as at each epoch end (0: epoch ends only) */
  checkpointEvery: number;
  folds: number;
  /** the validation fold */
  fold: number;
  backend: TrainingBackend;
  /** stop after this many optimiser steps in all */
  maxSteps?: number;
  /** 'none': train on every image, no validation fold; the last epoch is the model */
  validation?: 'fold' | 'none';
  /** Pleura's data directory (the label store for data kind 'reviewed') */
  dataDir: string;
  /** model card id (default: the architecture) and notes */
  id?: string;
  notes?: string;
  /** also learn from unlabelled studies (main/training/semi-supervised.ts) */
  semi?: SemiSupervised;
};

export type TrainingResult = {
  modelDir: string;
  card: ModelCard;
  /** null when the run did not validate */
  valDice: number | null;
  bestThresholds: GridPoint | null;
  data: DataSummary & { folds: number; fold: number; train: number; validation: number };
  /** the engine and its backend, e.g. "onnx cpu" or "tfjs wasm", with what auto passed over */
  backend: string;
  epochs: number;
  steps: number;
  seconds: number;
  /** every epoch done, or early stopping and why */
  end: TrainingEnd;
};

export type TrainingHooks = { onProgress?: (progress: TrainingProgress) => void; signal?: AbortSignal };

export const CHECKPOINTS_FOLDER = 'checkpoints';
export const TRAINING_LOG = 'train.log.jsonl';

export async function runTraining(config: TrainingConfig, hooks: TrainingHooks = {}): Promise<TrainingResult> {
  const out = path.resolve(config.out);
  await checkOutput(out, config);
  const basePlan = typeof config.plan === 'string' ? planPreset(config.plan) : config.plan;
  const definition = buildArchitecture(config.arch, config.archOptions, config.size);
  const init = config.init ? await initModel(config.init, definition.graph.params.map((p) => `${p.name}[${p.shape}]`).join(' '), config) : null;
  const split = await loadSplit(config);
  const { summary } = split;
  const semi = config.semi
    ? await prepareSemiSupervised(config.semi, { config, out, plan: basePlan, definition, train: split.data.train, hooks, runTraining })
    : null;
  const plan = semi?.plan ?? basePlan;
  const data = { ...split.data, train: semi?.train ?? split.data.train, unlabelled: semi?.unlabelled ?? [] };

  await mkdir(out, { recursive: true });
  const log = await openTrainingLog(path.join(out, TRAINING_LOG));
  const started = Date.now();
  try {
    await log.write({ event: config.resume ? 'resume' : 'start', arch: config.arch, plan: plan.name, size: config.size, backend: config.backend, data: summary, ...(semi ? { semiSupervised: semi.record } : {}) });
    const outcome = await trainModel(
      data,
      {
        definition,
        weights: init?.weights ?? initialWeights(definition.graph, config.seed),
        plan,
        size: config.size,
        epochs: config.epochs,
        batchSize: config.batchSize,
        seed: config.seed,
        checkpointsDir: path.join(out, CHECKPOINTS_FOLDER),
        checkpointEvery: config.checkpointEvery,
        // A pseudo-label run interrupted while its teacher trained has no checkpoints of its own yet.
        resume: config.resume && existsSync(path.join(out, CHECKPOINTS_FOLDER)),
        fingerprint: fingerprint(config, plan, data.train.map((i) => i.id), data.validation.map((i) => i.id), data.unlabelled.map((i) => i.id)),
        maxSteps: config.maxSteps,
        validation: config.validation,
        createEngine: (weights) => chooseTrainingEngine({ backend: config.backend, definition, weights, size: config.size }),
      },
      {
        signal: hooks.signal,
        onProgress: (progress) => {
          log.write({ event: progress.valDice === undefined ? 'step' : 'epoch', ...progress });
          hooks.onProgress?.(progress);
        },
      },
    );
    const best = outcome.best;
    const engine = describeTrainingEngine(outcome.engine);
    const now = new Date();
    const card = describeModel(definition, {
      id: config.id ?? definition.metadata.arch,
      version: versionStamp(now),
      size: config.size,
      createdAt: now.toISOString(),
      thresholds: init?.card.thresholds ?? trainedThresholds(best.best),
      provenance: { source: 'training', file: null, sha256: null, importedAt: now.toISOString(), tool: `pleura ${version}` },
      metrics: {
        valDice: best.valDice,
        bestThresholds: best.best && { ...best.best },
        bestEpoch: { stage: best.stage, epoch: best.epoch + 1 },
        history: outcome.history.map(historyPoint),
        data: summary,
        plan: plan.name,
        stages: plan.stages.map((s) => s.name),
        size: config.size,
        epochs: outcome.history.length,
        steps: outcome.steps,
        seed: config.seed,
        backend: `${outcome.engine.engine} ${outcome.engine.backend}`,
        durationSeconds: Math.round(outcome.seconds),
        ...(config.init ? { initialisedFrom: path.basename(path.resolve(config.init)) } : {}),
        ...(semi ? { semiSupervised: semi.record } : {}),
      },
      notes: config.notes ?? trainedNotes(summary, config, init?.card ?? null, semi?.record ?? null),
    });
    const written = await publishModelBesideCheckpoints(out, { definition, weights: outcome.weights, card });
    const result: TrainingResult = {
      modelDir: out,
      card: written,
      valDice: best.valDice,
      bestThresholds: best.best,
      data: summary,
      backend: engine,
      epochs: outcome.history.length,
      steps: outcome.steps,
      seconds: outcome.seconds,
      end: finishedEnd(outcome.plan, outcome.history, { steps: outcome.steps, limit: config.maxSteps }),
    };
    await log.write({ event: 'done', valDice: best.valDice, bestThresholds: best.best, engine, wallSeconds: (Date.now() - started) / 1000 });
    return result;
  } catch (error) {
    await log.write({ event: 'stopped', error: (error as Error).message });
    throw error;
  } finally {
    await log.close();
  }
}

export type TrainingSplit = {
  data: { train: TrainingItem[]; validation: TrainingItem[] };
  summary: TrainingResult['data'];
};

/**
 * The run's data at its size, split by patient into its training and validation folds: what runTraining trains
 * on, and the held-out images a comparison of the new model with the current one should use.
 */
export async function loadSplit(config: Pick<TrainingConfig, 'data' | 'size' | 'dataDir' | 'folds' | 'fold' | 'seed' | 'validation'>): Promise<TrainingSplit> {
  const set = await loadTrainingSet(config.data, config.size, config.dataDir);
  if (set.items.length === 0) throw new Error(`no labelled images found in ${set.summary.source}`);
  if (config.validation === 'none') {
    return { data: { train: set.items, validation: [] }, summary: { ...set.summary, folds: config.folds, fold: config.fold, train: set.items.length, validation: 0 } };
  }
  const data = splitItems(set.items, config.folds, config.fold, config.seed);
  return { data, summary: { ...set.summary, folds: config.folds, fold: config.fold, train: data.train.length, validation: data.validation.length } };
}

/** What the new model is; one fine-tuned from a demonstration model is still one, and its notes begin so. */
function trainedNotes(summary: TrainingResult['data'], config: TrainingConfig, from: ModelCard | null, semi: SemiSupervisedRecord | null): string {
  const labelled = `${summary.source}: ${summary.train} training and ${summary.validation} validation images (fold ${config.fold} of ${config.folds})`;
  const data = semi ? `${labelled}, and ${semi.unlabelled} unlabelled images by ${semiWords(semi)}` : labelled;
  if (!from) return `Trained by Pleura on ${data}. Not for clinical use without local validation.`;
  const origin = `fine-tuned by Pleura from ${modelRef(from)} on ${data}`;
  return isDemonstrationModel(from) ? `Demonstration model ${origin}; not for clinical use.` : `Model ${origin}. Not for clinical use without local validation.`;
}

function semiWords(semi: SemiSupervisedRecord): string {
  if (!semi.pseudoLabels) return 'a mean teacher';
  const { kept } = semi.pseudoLabels;
  return `pseudo-labels (${kept.positives} positive and ${kept.negatives} negative kept)`;
}

function historyPoint(record: EpochRecord) {
  return { stage: record.stage, epoch: record.epoch + 1, loss: round(record.loss), lr: record.lr, valDice: record.valDice === null ? null : round(record.valDice) };
}

/** The validation's best triplet; without validation, science.md's validation-best rule. */
function trainedThresholds(best: GridPoint | null): ModelCard['thresholds'] {
  const { top, minArea, bottom } = best ?? rulePresets['validation-best'];
  return { kind: 'triple-threshold', top, minArea, bottom, minRegionArea: null, preset: best ? null : 'validation-best' };
}

function round(value: number): number {
  return Math.round(value * 1e5) / 1e5;
}

/** A fresh run needs an empty (or absent) folder; a resumed one its own checkpoints. --init never equals --out. */
async function checkOutput(out: string, config: TrainingConfig): Promise<void> {
  if (config.init && path.resolve(config.init) === out) {
    throw new Error(`--out ${config.out} is the --init model: training writes a new folder and never changes the model it starts from`);
  }
  let entries: string[] = [];
  try {
    entries = await readdir(out);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (config.resume) {
    // A pseudo-label run stopped while its teacher trained holds only teacher/.
    const teacherOnly = config.semi?.method === 'pseudo-labels' && entries.includes(TEACHER_FOLDER);
    if (!entries.includes(CHECKPOINTS_FOLDER) && !teacherOnly) throw new Error(`nothing to resume in ${out}: it holds no ${CHECKPOINTS_FOLDER}/ folder`);
    return;
  }
  const visible = entries.filter((name) => !name.startsWith('.'));
  if (visible.length > 0) {
    throw new Error(`${out} already holds files (${visible.slice(0, 5).join(', ')}); resume with --resume or train into a new folder`);
  }
}

/** The --init model's weights and card, refused when its architecture is not the one being trained. */
async function initModel(dir: string, signature: string, config: TrainingConfig): Promise<{ weights: WeightMap; card: ModelCard }> {
  const loaded = await loadModel(dir);
  const theirs = loaded.definition.graph.params.map((p) => `${p.name}[${p.shape}]`).join(' ');
  if (theirs !== signature) {
    throw new Error(`--init ${dir} is a ${loaded.card.architecture.name} with other tensors than ${config.arch} ${JSON.stringify(config.archOptions ?? {})}`);
  }
  return { weights: loaded.weights, card: loaded.card };
}

function fingerprint(config: TrainingConfig, plan: Plan, train: string[], validation: string[], unlabelled: string[]): string {
  const facts = {
    arch: config.arch,
    archOptions: config.archOptions ?? {},
    plan,
    size: config.size,
    batchSize: config.batchSize ?? null,
    maxSteps: config.maxSteps ?? null,
    seed: config.seed,
    init: config.init ? path.resolve(config.init) : null,
    train,
    validation,
    // Absent unless a mean teacher reads them, so a labelled-only run keeps the fingerprint it always had.
    ...(unlabelled.length > 0 ? { unlabelled } : {}),
  };
  return createHash('sha256').update(JSON.stringify(facts)).digest('hex');
}

// `pleura models make-set`: model folders and how they combine, written as one model set folder (ml/io/model-set).
// A two-stage set's meta-model is fitted here: each classifier predicts on labelled images it did not train on, and
// the logistic regression over those predictions is fitted with k-fold cross-validation so that its reported
// metrics are out-of-fold too (ml/infer/stacking).
import path from 'node:path';
import { version } from '../../../package.json';
import { fitStacking, StackingError, ttaModes, type TtaMode } from '../../../ml/infer';
import { withoutLocalPaths } from '../../../ml/io/local-paths';
import { modelRef, parseModelRef, type CardThresholds, type ModelCard } from '../../../ml/io/model-card';
import { ModelFolderError } from '../../../ml/io/model-folder-error';
import { checkClassifier, TWO_STAGE_MASK_THRESHOLD, writeModelSet, type SetCombination, type SetToWrite } from '../../../ml/io/model-set';
import { readModelCard } from '../../../ml/io/model-store';
import { rulePreset } from '../../../ml/post';
import { LabelError } from '../../../ml/train/dataset';
import { engineNames, type EngineName } from '../../../ml/runtime/engine';
import { classifierProbabilities } from '../../inference/classifier-probabilities';
import { ModelLoadError } from '../../inference/load-ensemble';
import { createModelLibrary } from '../../models/model-library';
import { resolveDataDir } from '../../services/data-dir';
import { heldOutCasesOf } from '../../training/compare';
import { loadTrainingSet } from '../../training/data';
import { CliUsageError, type CliCommand } from '../run';
import { dataSource } from './train';

type Values = Parameters<CliCommand['run']>[0]['values'];

export const makeSetFlags = {
  combine: { type: 'string' },
  segmentation: { type: 'string', multiple: true },
  classifier: { type: 'string', multiple: true },
  weights: { type: 'string' },
  data: { type: 'string' },
  labels: { type: 'string' },
  png: { type: 'string' },
  folds: { type: 'string', default: '5' },
  ridge: { type: 'string', default: '0.01' },
  preset: { type: 'string' },
  engine: { type: 'string', default: 'onnx' },
  tta: { type: 'string', default: 'hflip' },
} satisfies CliCommand['options'];

export const makeSetUsage =
  'models make-set --combine average|two-stage --segmentation MODELDIR … [--weights 2,1] [--classifier MODELDIR …] --out SETDIR --id ID --model-version V ' +
  '[--preset NAME (average)] [--data FOLDER --labels CSV | --data reviewed | --png FOLDER (two-stage: images the classifiers did not train on)] ' +
  '[--folds 5] [--seed 0] [--ridge 0.01] [--engine onnx|tfjs] [--tta none|hflip] [--notes TEXT] [--force] [--install] [--set-current]';

type MakeSetArgs = {
  out: string;
  id: string;
  version: string;
  combine: SetCombination['kind'];
  segmentation: { dir: string; weight: number }[];
  classifiers: string[];
  preset: string | undefined;
  folds: number;
  seed: number;
  ridge: number;
  engine: EngineName;
  tta: TtaMode;
  notes: string | undefined;
};

export async function makeSet(values: Values): Promise<number> {
  const args = makeSetArgs(values);
  try {
    const segmentation = args.segmentation.map(({ dir, weight }) => ({ dir, role: 'segmentation' as const, weight }));
    const combination = args.combine === 'average' ? await averageCombination(args) : await twoStageCombination(values, args);
    const members: SetToWrite['members'] = [...args.classifiers.map((dir) => ({ dir, role: 'classifier' as const, weight: null })), ...segmentation];
    const card = await writeModelSet(
      args.out,
      {
        card: {
          format: 'pleura-model-set',
          formatVersion: 1,
          id: args.id,
          version: args.version,
          createdAt: new Date().toISOString(),
          tool: `pleura ${version}`,
          notes: args.notes ?? defaultNotes(combination, members.length),
          combination,
        },
        members,
      },
      { overwrite: Boolean(values.force) },
    );
    const library = createModelLibrary();
    const installed = values.install || values['set-current'] ? await library.installUnit(args.out) : null;
    if (installed && values['set-current']) await library.setCurrentUnit(installed.ref);
    const fit = card.combination.kind === 'two-stage' ? { metaModel: card.combination.metaModel, ...card.combination.fit } : null;
    const summary = { set: modelRef(card), out: args.out, combine: card.combination.kind, members: card.members.map((m) => ({ ref: modelRef(m), role: m.role, weight: m.weight })), fit, installed: installed?.dir ?? null, current: Boolean(values['set-current']) };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof ModelLoadError) {
      process.stderr.write(`pleura: model: ${error.dir}: ${error.message}\n`);
      return 1;
    }
    const known = error instanceof ModelFolderError || error instanceof StackingError || error instanceof LabelError;
    if (!known && (error as NodeJS.ErrnoException)?.syscall === undefined) throw error;
    process.stderr.write(`pleura: make-set: ${(error as Error).message}\n`);
    return 1;
  }
}

/** The members' maps averaged with their weights, judged by --preset or else the first member's card's rule. */
async function averageCombination(args: MakeSetArgs): Promise<SetCombination> {
  const thresholds: CardThresholds = args.preset
    ? { ...rulePreset(args.preset), preset: args.preset }
    : (await readModelCard(args.segmentation[0].dir)).thresholds;
  return { kind: 'average', thresholds };
}

/**
 * The classifiers' predictions on the labelled images, and the meta-model fitted on them. A classifier whose card
 * records training on these very images is refused: its predictions there would not be out-of-fold.
 */
async function twoStageCombination(values: Values, args: MakeSetArgs): Promise<SetCombination> {
  const fail = (message: string): never => {
    throw new CliUsageError(`${message}\nusage: pleura ${makeSetUsage}`);
  };
  const source = dataSource(text(values, 'data'), text(values, 'labels'), text(values, 'png'), fail);
  const cards = await Promise.all(args.classifiers.map((dir) => readModelCard(dir).catch((error) => Promise.reject(new ModelLoadError(dir, error)))));
  cards.forEach((card, k) => checkClassifier(card, args.classifiers[k]));
  const size = Math.max(...cards.map((card) => card.input.size));
  const set = await loadTrainingSet(source, size, resolveDataDir());
  const data = withoutLocalPaths(set.summary.source);
  cards.forEach((card, k) => checkNotTrainedOn(card, args.classifiers[k], data));
  const images = heldOutCasesOf(set.items).map((item) => item.image);
  const labels = set.items.map((item) => item.positive);
  const probabilities = await classifierProbabilities(args.classifiers, images, { engine: args.engine, tta: args.tta });
  const { metaModel, outOfFold } = fitStacking(probabilities, labels, set.items.map((item) => item.patientId), { folds: args.folds, seed: args.seed, ridge: args.ridge });
  const { auc, ...metrics } = outOfFold.metrics;
  return {
    kind: 'two-stage',
    metaModel,
    maskThreshold: TWO_STAGE_MASK_THRESHOLD,
    fit: {
      data,
      images: labels.length,
      positives: labels.filter(Boolean).length,
      folds: args.folds,
      seed: args.seed,
      ridge: args.ridge,
      predictions: 'held-out-folder',
      outOfFold: { auc: Number.isNaN(auc) ? null : auc, ...metrics },
    },
  };
}

/** The card's training record (metrics.data.source, written by `pleura train`) against the labelled data. */
function checkNotTrainedOn(card: ModelCard, dir: string, data: string): void {
  const trainedOn = (card.metrics?.data as { source?: unknown } | undefined)?.source;
  if (card.provenance.source === 'training' && trainedOn === data) {
    throw new ModelFolderError(`${dir}: ${modelRef(card)} was trained on ${data}: its predictions there are not out-of-fold; give labelled images it did not train on`);
  }
}

function defaultNotes(combination: SetCombination, members: number): string {
  if (combination.kind === 'average') return `Model set: ${members} segmentation models, their probability maps averaged with their weights.`;
  const { outOfFold, images } = combination.fit;
  return `Model set (2nd place's two stages): classifiers stacked by a logistic regression fitted on ${images} held-out images (out-of-fold AUC ${outOfFold.auc?.toFixed(3) ?? 'n/a'}), segmentation models averaged and drawn on positive images only.`;
}

function makeSetArgs(values: Values): MakeSetArgs {
  const fail = (message: string): never => {
    throw new CliUsageError(`${message}\nusage: pleura ${makeSetUsage}`);
  };
  const out = text(values, 'out') ?? fail('give --out SETDIR');
  const id = text(values, 'id') ?? fail('give --id ID');
  const setVersion = text(values, 'model-version') ?? fail('give --model-version V');
  try {
    parseModelRef(`${id}@${setVersion}`);
  } catch (error) {
    fail(`--id and --model-version: ${(error as Error).message}`);
  }
  const combine = text(values, 'combine');
  if (combine !== 'average' && combine !== 'two-stage') return fail(`--combine must be average or two-stage, got "${combine ?? ''}"`);
  const segmentation = (values.segmentation as string[] | undefined) ?? [];
  const classifiers = (values.classifier as string[] | undefined) ?? [];
  if (segmentation.length === 0) fail('give at least one --segmentation MODELDIR');
  if (combine === 'average' && classifiers.length) fail('an average set has no --classifier; use --combine two-stage');
  if (combine === 'two-stage' && classifiers.length === 0) fail('a two-stage set needs at least one --classifier MODELDIR');
  if (combine === 'two-stage' && values.preset !== undefined) fail('a two-stage set takes no --preset: its rule is its classifier stage and mask threshold');
  if (combine === 'average' && [values.data, values.labels, values.png].some((v) => v !== undefined)) fail('an average set fits nothing: it takes no labelled data');
  const weightText = text(values, 'weights');
  const weights = weightText === undefined ? segmentation.map(() => 1) : weightText.split(',').map((w) => (w.trim() === '' ? NaN : Number(w)));
  if (weights.length !== segmentation.length || weights.some((w) => !(w > 0 && w <= 100))) {
    fail(`--weights takes one weight above 0 and at most 100 per --segmentation model (${segmentation.length}), got "${weightText}"`);
  }
  // The flags' defaults, also when run() is called without the parser (tests).
  const given = (key: keyof typeof makeSetFlags) => values[key] ?? ('default' in makeSetFlags[key] ? makeSetFlags[key].default : undefined);
  const whole = (key: 'folds' | 'seed', min: number) => {
    const value = String((key === 'seed' ? values.seed : given(key)) ?? '');
    if (!/^\d+$/.test(value) || Number(value) < min) fail(`--${key} must be a whole number of at least ${min}, got "${value}"`);
    return Number(value);
  };
  const ridge = Number(given('ridge'));
  if (!(ridge >= 0 && Number.isFinite(ridge))) fail(`--ridge must be a finite number ≥ 0, got "${String(values.ridge)}"`);
  const engine = String(given('engine'));
  if (!(engineNames as readonly string[]).includes(engine)) fail(`--engine must be one of ${engineNames.join(', ')}, got "${engine}"`);
  const tta = String(given('tta'));
  if (!(ttaModes as readonly string[]).includes(tta)) fail(`--tta must be one of ${ttaModes.join(', ')}, got "${tta}"`);
  const preset = text(values, 'preset');
  if (preset !== undefined) {
    try {
      rulePreset(preset);
    } catch (error) {
      fail((error as Error).message);
    }
  }
  return {
    out: path.resolve(out),
    id,
    version: setVersion,
    combine,
    segmentation: segmentation.map((dir, k) => ({ dir: path.resolve(dir), weight: weights[k] })),
    classifiers: classifiers.map((dir) => path.resolve(dir)),
    preset,
    folds: whole('folds', 2),
    seed: values.seed === undefined ? 0 : whole('seed', 0),
    ridge,
    engine: engine as EngineName,
    tta: tta as TtaMode,
    notes: text(values, 'notes'),
  };
}

function text(values: Values, key: string): string | undefined {
  return typeof values[key] === 'string' ? (values[key] as string) : undefined;
}

// `pleura train`: a training run in a worker thread, progress on stderr (a line per epoch end, at most one step
// line a second), the result as JSON on stdout. Ctrl-C checkpoints and stops; --resume goes on from there.
import { architectureNames } from '../../../ml/models';
import { comboPresets } from '../../../ml/train/losses';
import { MANUAL_PLAN, manualPlan, planPresetNames, type ManualSettings, type OptimizerChoice } from '../../../ml/train/plans';
import { TRAINING_BACKENDS, type TrainingBackend } from '../../../ml/train/loop/backend';
import { SemiSupervisedMethod, type SemiSupervised, type TrainingData } from '../../api/contract';
import { resolveDataDir } from '../../services/data-dir';
import { progressLine } from '../../training/progress-text';
import type { TrainingConfig } from '../../training/run-training';
import { startTrainingWorker } from '../../training/start-worker';
import { CliUsageError, type CliCommand } from '../run';
import { parseArchOptions } from './import-torch';

const MANUAL_LOSSES = ['bce', 'dice', 'focal', 'combo', 'lovasz'] as const;
const FREEZE = ['encoder', 'encoder-bn'] as const;

const usage =
  `train (--data FOLDER --labels CSV | --data reviewed | --png FOLDER) --arch ${architectureNames().join('|')} [--arch-option KEY=VALUE …] ` +
  `--plan ${[...planPresetNames, MANUAL_PLAN].join('|')} --size 256 [--epochs N] [--steps N] --out MODELDIR [--resume] [--init MODELDIR] [--batch 2] ` +
  `[--seed S] [--checkpoint-every N] [--folds 5 --fold 0 | --validation none] [--backend ${TRAINING_BACKENDS.join('|')}] ` +
  `[--unlabelled FOLDER|studies --semi ${SemiSupervisedMethod.options.join('|')}]\n` +
  `  --plan manual: --optimizer adam|sgd --lr X [--momentum 0.9] [--weight-decay 0] --loss ${MANUAL_LOSSES.join('|')} [--freeze ${FREEZE.join('|')}] ` +
  `(constant rate; no schedule, clipping, EMA, augmentation or sampler; combo is the 1st place's 3:1:4)`;

export const train: CliCommand = {
  usage,
  summary:
    'trains a model (onnxruntime, or TF.js) on a DICOM folder with a SIIM mask table, the reviewed studies or PNG pairs; checkpoints to MODELDIR/checkpoints, logs to MODELDIR/train.log.jsonl, writes the model to MODELDIR',
  options: {
    data: { type: 'string' },
    labels: { type: 'string' },
    png: { type: 'string' },
    arch: { type: 'string' },
    'arch-option': { type: 'string', multiple: true },
    plan: { type: 'string', default: 'quick' },
    size: { type: 'string', default: '256' },
    epochs: { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'boolean', default: false },
    init: { type: 'string' },
    batch: { type: 'string' },
    seed: { type: 'string', default: '0' },
    'checkpoint-every': { type: 'string', default: '0' },
    folds: { type: 'string', default: '5' },
    fold: { type: 'string', default: '0' },
    backend: { type: 'string', default: 'auto' },
    steps: { type: 'string' },
    validation: { type: 'string', default: 'fold' },
    optimizer: { type: 'string' },
    lr: { type: 'string' },
    momentum: { type: 'string' },
    'weight-decay': { type: 'string' },
    loss: { type: 'string' },
    freeze: { type: 'string' },
    unlabelled: { type: 'string' },
    semi: { type: 'string' },
  },
  async run({ values }) {
    const config = trainArgs(values);
    const job = startTrainingWorker(config);
    let lastLine = 0;
    job.onProgress((progress) => {
      const now = Date.now();
      if (progress.valDice === undefined && now - lastLine < 1000) return;
      lastLine = now;
      process.stderr.write(`${progressLine(progress)}\n`);
    });
    const interrupt = () => {
      process.stderr.write('pleura: train: stopping at the next step and checkpointing…\n');
      job.cancel();
    };
    process.once('SIGINT', interrupt);
    try {
      const result = await job.done;
      process.stdout.write(`${JSON.stringify({ ...result, card: undefined, model: `${result.card.id}@${result.card.version}` })}\n`);
      return 0;
    } catch (error) {
      const e = error as Error;
      if (e.name === 'TrainingCancelledError') {
        process.stderr.write(`pleura: train: ${e.message}; continue with --resume\n`);
        return 130;
      }
      process.stderr.write(`pleura: train: ${e.message}\n`);
      return 1;
    } finally {
      process.off('SIGINT', interrupt);
    }
  },
};

function trainArgs(values: Record<string, unknown>): TrainingConfig {
  const fail = (message: string): never => {
    throw new CliUsageError(`${message}\nusage: pleura ${usage}`);
  };
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const whole = (name: string, min: number): number | undefined => {
    const value = text(name);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value) || Number(value) < min) fail(`--${name} must be a whole number ≥ ${min}, got "${value}"`);
    return Number(value);
  };
  const arch = text('arch') ?? fail('give --arch');
  if (!architectureNames().includes(arch as never)) fail(`unknown --arch "${arch}"; architectures: ${architectureNames().join(', ')}`);
  const planName = text('plan')!;
  if (![...planPresetNames, MANUAL_PLAN].includes(planName as never)) fail(`unknown --plan "${planName}"; plans: ${[...planPresetNames, MANUAL_PLAN].join(', ')}`);
  const validation = text('validation') ?? 'fold';
  if (validation !== 'fold' && validation !== 'none') fail(`--validation takes fold or none, not "${validation}"`);
  const steps = whole('steps', 1);
  const backend = text('backend')!;
  if (!(TRAINING_BACKENDS as readonly string[]).includes(backend)) fail(`unknown --backend "${backend}"; backends: ${TRAINING_BACKENDS.join(', ')}`);
  const folds = whole('folds', 2)!;
  const fold = whole('fold', 0)!;
  if (fold >= folds) fail(`--fold must be below --folds (${folds}), got ${fold}`);
  const epochs = whole('epochs', 1);
  const batchSize = whole('batch', 1);
  const manualOnly = ['optimizer', 'lr', 'momentum', 'weight-decay', 'loss', 'freeze'].filter((name) => text(name) !== undefined);
  if (planName !== MANUAL_PLAN && manualOnly.length > 0) fail(`--${manualOnly[0]} belongs to --plan manual; the ${planName} plan sets its own`);
  const plan =
    planName === MANUAL_PLAN
      ? manualPlan(manualSettings(text, fail, { epochs: epochs ?? (steps === undefined ? fail('--plan manual needs --epochs N or --steps N') : Number.MAX_SAFE_INTEGER), batchSize: batchSize ?? 2 }))
      : planName;
  return {
    data: dataSource(text('data'), text('labels'), text('png'), fail),
    arch,
    archOptions: parseArchOptions((values['arch-option'] as string[] | undefined) ?? []),
    plan,
    size: whole('size', 32)!,
    epochs: planName === MANUAL_PLAN ? undefined : epochs,
    batchSize,
    maxSteps: steps,
    validation: validation as 'fold' | 'none',
    out: text('out') ?? fail('give --out MODELDIR'),
    resume: values.resume === true,
    init: text('init'),
    seed: whole('seed', 0)!,
    checkpointEvery: whole('checkpoint-every', 0)!,
    folds,
    fold,
    backend: backend as TrainingBackend,
    dataDir: resolveDataDir(),
    ...semiSupervised(text('unlabelled'), text('semi'), fail),
  };
}

/** --unlabelled FOLDER (DICOM radiographs without masks) or `studies` (the indexed ones without a reviewed mask). */
export function semiSupervised(unlabelled: string | undefined, semi: string | undefined, fail: (m: string) => never): { semi?: SemiSupervised } {
  if (unlabelled === undefined && semi === undefined) return {};
  if (semi === undefined) return fail(`--unlabelled needs --semi ${SemiSupervisedMethod.options.join('|')}`);
  if (unlabelled === undefined) return fail('--semi needs --unlabelled FOLDER (DICOM radiographs without masks) or --unlabelled studies');
  const method = SemiSupervisedMethod.safeParse(semi);
  if (!method.success) return fail(`--semi takes ${SemiSupervisedMethod.options.join(' or ')}, not "${semi}"`);
  if (unlabelled.trim() === '') return fail('--unlabelled needs a folder');
  return { semi: { method: method.data, unlabelled: unlabelled === 'studies' ? { kind: 'local-studies' } : { kind: 'dicom-folder', folder: unlabelled } } };
}

function manualSettings(
  text: (name: string) => string | undefined,
  fail: (message: string) => never,
  run: { epochs: number; batchSize: number },
): ManualSettings {
  const number = (name: string, fallback: number | undefined, check: (v: number) => boolean, what: string): number => {
    const value = text(name);
    if (value === undefined) return fallback ?? fail(`--plan manual needs --${name}`);
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed) || !check(parsed)) fail(`--${name} must be ${what}, got "${value}"`);
    return parsed;
  };
  const optimizer = text('optimizer') ?? fail('--plan manual needs --optimizer adam|sgd');
  if (optimizer !== 'adam' && optimizer !== 'sgd') fail(`--optimizer takes adam or sgd, not "${optimizer}"`);
  if (optimizer === 'adam' && text('momentum') !== undefined) fail('--momentum belongs to --optimizer sgd');
  const choice: OptimizerChoice =
    optimizer === 'sgd' ? { kind: 'sgd', momentum: number('momentum', 0.9, (v) => v >= 0 && v < 1, 'in [0, 1)') } : { kind: 'adam' };
  const loss = text('loss') ?? fail(`--plan manual needs --loss ${MANUAL_LOSSES.join('|')}`);
  if (!(MANUAL_LOSSES as readonly string[]).includes(loss)) fail(`--loss takes ${MANUAL_LOSSES.join(', ')}, not "${loss}"`);
  const freeze = text('freeze');
  if (freeze !== undefined && !(FREEZE as readonly string[]).includes(freeze)) fail(`--freeze takes ${FREEZE.join(' or ')}, not "${freeze}"`);
  return {
    optimizer: choice,
    lr: number('lr', undefined, (v) => v > 0, 'a positive number'),
    weightDecay: number('weight-decay', 0, (v) => v >= 0, 'a number ≥ 0'),
    loss: loss === 'combo' ? comboPresets['pixel-heavy'] : { kind: loss as Exclude<(typeof MANUAL_LOSSES)[number], 'combo'> },
    epochs: run.epochs,
    batchSize: run.batchSize,
    freezeEncoder: freeze === 'encoder',
    // --freeze encoder-bn freezes the encoder's BatchNorm alone (4th place); otherwise the architecture's default.
    ...(freeze === 'encoder-bn' ? { encoderBatchNorm: 'frozen' as const } : {}),
  };
}

export function dataSource(data: string | undefined, labels: string | undefined, png: string | undefined, fail: (m: string) => never): TrainingData {
  if (png !== undefined) {
    if (data !== undefined || labels !== undefined) fail('--png takes no --data or --labels');
    return { kind: 'png-pairs', folder: png };
  }
  if (data === 'reviewed') {
    if (labels !== undefined) fail('--data reviewed takes no --labels: the labels are the reviewed studies');
    return { kind: 'reviewed' };
  }
  if (data === undefined) return fail('give --data FOLDER --labels CSV, --data reviewed or --png FOLDER');
  return { kind: 'dicom-folder', folder: data, labels: labels ?? fail('--data FOLDER needs --labels CSV (the SIIM mask table)') };
}

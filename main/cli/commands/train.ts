// `pleura train`: a training run in a worker thread, progress on stderr (a line per epoch end, at most one step
// line a second), the result as JSON on stdout. Ctrl-C checkpoints and stops; --resume goes on from there.
import { architectureNames } from '../../../ml/models';
import { planPresetNames } from '../../../ml/train/plans';
import { TRAINING_BACKENDS, type TrainingBackend } from '../../../ml/train/loop/backend';
import type { TrainingData } from '../../api/contract';
import { resolveDataDir } from '../../services/data-dir';
import { progressLine } from '../../training/progress-text';
import type { TrainingConfig } from '../../training/run-training';
import { startTrainingWorker } from '../../training/start-worker';
import { CliUsageError, type CliCommand } from '../run';

const usage =
  `train (--data FOLDER --labels CSV | --data reviewed | --png FOLDER) --arch ${architectureNames().join('|')} ` +
  `--plan ${planPresetNames.join('|')} --size 256 [--epochs N] --out MODELDIR [--resume] [--init MODELDIR] [--batch 2] ` +
  `[--seed S] [--checkpoint-every N] [--folds 5 --fold 0] [--backend ${TRAINING_BACKENDS.join('|')}]`;

export const train: CliCommand = {
  usage,
  summary:
    'trains a model (TF.js) on a DICOM folder with a SIIM mask table, the reviewed studies or PNG pairs; checkpoints to MODELDIR/checkpoints, logs to MODELDIR/train.log.jsonl, writes the model to MODELDIR',
  options: {
    data: { type: 'string' },
    labels: { type: 'string' },
    png: { type: 'string' },
    arch: { type: 'string' },
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
  const plan = text('plan')!;
  if (!(planPresetNames as readonly string[]).includes(plan)) fail(`unknown --plan "${plan}"; plans: ${planPresetNames.join(', ')}`);
  const backend = text('backend')!;
  if (!(TRAINING_BACKENDS as readonly string[]).includes(backend)) fail(`unknown --backend "${backend}"; backends: ${TRAINING_BACKENDS.join(', ')}`);
  const folds = whole('folds', 2)!;
  const fold = whole('fold', 0)!;
  if (fold >= folds) fail(`--fold must be below --folds (${folds}), got ${fold}`);
  return {
    data: dataSource(text('data'), text('labels'), text('png'), fail),
    arch,
    plan,
    size: whole('size', 32)!,
    epochs: whole('epochs', 1),
    batchSize: whole('batch', 1),
    out: text('out') ?? fail('give --out MODELDIR'),
    resume: values.resume === true,
    init: text('init'),
    seed: whole('seed', 0)!,
    checkpointEvery: whole('checkpoint-every', 0)!,
    folds,
    fold,
    backend: backend as TrainingBackend,
    dataDir: resolveDataDir(),
  };
}

function dataSource(data: string | undefined, labels: string | undefined, png: string | undefined, fail: (m: string) => never): TrainingData {
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

// Training plans: stages run in order, each with its own optimiser settings, scheduler, positive share and loss
// (science.md, Training schedule). Presets: the 1st place's four stages, the 4th place's single cosine run, and a
// short fine-tune for a workstation's own reviewed studies.
import { z } from 'zod';
import { comboPresets, LossSpec } from './losses';
import { PositiveShare } from './sampler';
import { MeanTeacherOption } from './semi/mean-teacher';
import { SchedulerSpec } from './schedules';

export const EmaOption = z.object({
  /** shadow ← decay·shadow + (1 − decay)·weights after each optimiser step */
  decay: z.number().gt(0).lt(1),
  /** 0-based stage epoch from which the average starts (it starts as a copy of the weights then) */
  startEpoch: z.number().int().nonnegative(),
});
export type EmaOption = z.infer<typeof EmaOption>;

/** torch.optim.Adam (the top solutions' optimiser) or torch.optim.SGD with momentum, no dampening or Nesterov. */
export const OptimizerChoice = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('adam') }).strict(),
  z.object({ kind: z.literal('sgd'), momentum: z.number().min(0).lt(1) }).strict(),
]);
export type OptimizerChoice = z.infer<typeof OptimizerChoice>;

export const Stage = z.object({
  name: z.string().min(1),
  lr: z.number().positive(),
  scheduler: SchedulerSpec,
  epochs: z.number().int().positive(),
  /** stop the stage after more than this many epochs without a new best validation score; absent: never */
  earlyStopPatience: z.number().int().nonnegative().optional(),
  positiveShare: PositiveShare,
  loss: LossSpec,
  batchSize: z.number().int().positive(),
  weightDecay: z.number().nonnegative(),
  optimizer: OptimizerChoice.default({ kind: 'adam' }),
  /** the training augmentations (science.md); off in a manual plan, whose steps must match PyTorch's exactly */
  augment: z.boolean().default(true),
  /** max global gradient norm; absent: no clipping */
  clipNorm: z.number().positive().optional(),
  freezeEncoder: z.boolean(),
  /** absent: the architecture's own choice (its metadata) */
  encoderBatchNorm: z.enum(['train', 'frozen']).optional(),
  ema: EmaOption.optional(),
  /** the 5th place's mean teacher on the run's unlabelled images (ml/train/semi/mean-teacher.ts) */
  meanTeacher: MeanTeacherOption.optional(),
  /** input size for this stage; absent: the run's size */
  size: z.number().int().positive().optional(),
});
export type Stage = z.infer<typeof Stage>;

export const Plan = z.object({
  name: z.string().min(1),
  stages: z.array(Stage).min(1),
  /** how many best checkpoints the run keeps, over all stages */
  topK: z.number().int().positive().default(3),
});
export type Plan = z.infer<typeof Plan>;

export const planPresetNames = ['first-place', 'fourth-place', 'quick'] as const;
/** `--plan manual`: not a preset but a plan built from the command line's flags (manualPlan). */
export const MANUAL_PLAN = 'manual';
export type PlanPresetName = (typeof planPresetNames)[number];

/**
 * 3rd place's averaging of the weights "after epoch 6". Its decay is not in the write-up; 0.99 averages over about
 * the last 1/(1 − 0.99) = 100 steps, which a small local data set at batch 2 still reaches within one epoch.
 */
export const thirdPlaceEma: EmaOption = { decay: 0.99, startEpoch: 6 };

// 1st place (sneddy/pneumothorax-segmentation, experiments/albunet_valid/train_config_part0…2 and 2nd_stage):
// Adam, batch 2, clip_grad_norm_(max_norm 0.1), weight decay 5e-6, ComboLoss(bce 3, dice 1, focal 4) in every stage.
const firstPlaceCommon = {
  loss: comboPresets['pixel-heavy'],
  batchSize: 2,
  weightDecay: 5e-6,
  clipNorm: 0.1,
  freezeEncoder: false,
} as const;

const firstPlaceCosine = { kind: 'cosine', tMax: 8, etaMin: 1e-7 } as const;

function firstPlaceStage(
  name: string,
  lr: number,
  scheduler: z.input<typeof SchedulerSpec>,
  epochs: number,
  earlyStopPatience: number,
  p: number,
): z.input<typeof Stage> {
  return { name, lr, scheduler, epochs, earlyStopPatience, positiveShare: { kind: 'constant', p }, ...firstPlaceCommon };
}

const presets: Record<PlanPresetName, z.input<typeof Plan>> = {
  // One row per line of the science table: name, lr, scheduler, epochs, early stop, p.
  'first-place': {
    name: 'first-place',
    // The configs keep 5 and then 3 per stage; one list over the whole run keeps the final stages' 3.
    topK: 3,
    stages: [
      // threshold 1e-7 as its config has, not PyTorch's 1e-4: any gain in the validation score counts.
      firstPlaceStage(
        'plateau',
        1e-4,
        { kind: 'reduce-on-plateau', mode: 'max', factor: 0.1, patience: 2, threshold: 1e-7, minLr: 1e-7 },
        50,
        10,
        0.8,
      ),
      firstPlaceStage('cosine-0.6', 1e-5, firstPlaceCosine, 50, 12, 0.6),
      firstPlaceStage('cosine-0.4', 1e-5, firstPlaceCosine, 50, 12, 0.4),
      // The alternative its configs carry commented out: T_0 1, T_mult 2 (restarts after epochs 1, 3, 7, 15, 31).
      firstPlaceStage('warm-restarts', 1e-5, { kind: 'cosine-warm-restarts', t0: 1, tMult: 2, etaMin: 0 }, 40, 12, 0.5),
    ],
  },
  // 4th place (amirassov/kaggle-pneumothorax, configs/resnet34_768_unet.yaml): one 60-epoch cosine stage, the best
  // epoch kept (no early stopping), weight decay 1e-5 and batch 8 as its config has, no clipping, frozen encoder BN.
  'fourth-place': {
    name: 'fourth-place',
    topK: 3,
    stages: [
      {
        name: 'cosine',
        lr: 7.5e-5,
        scheduler: { kind: 'cosine', tMax: 8, etaMin: 1e-6 },
        epochs: 60,
        positiveShare: { kind: 'linear', from: 0.8, to: 0.22, epochs: 60 },
        loss: { kind: 'fourth-place' },
        batchSize: 8,
        weightDecay: 1e-5,
        freezeEncoder: false,
        encoderBatchNorm: 'frozen',
      },
    ],
  },
  // A short fine-tune of an installed model on a workstation's own studies: the 1st place's later-stage settings
  // (lr 1e-5, its cosine), over 8 epochs so the one half-period of T_max 8 ends annealed; p 0.5 as its last stage;
  // frozen encoder BN because BatchNorm statistics from batches of 2 on a few hundred local images are noise.
  quick: {
    name: 'quick',
    topK: 2,
    stages: [
      {
        name: 'fine-tune',
        lr: 1e-5,
        scheduler: firstPlaceCosine,
        epochs: 8,
        earlyStopPatience: 4,
        positiveShare: { kind: 'constant', p: 0.5 },
        ...firstPlaceCommon,
        encoderBatchNorm: 'frozen',
      },
    ],
  },
};

export function planPreset(name: string): Plan {
  const preset = presets[name as PlanPresetName];
  if (!preset) throw new Error(`unknown plan "${name}"; the presets are ${planPresetNames.join(', ')}`);
  return Plan.parse(preset);
}

/**
 * The plan cut or stretched to `totalEpochs` epochs in all: each stage gets its share of the total in proportion
 * to its own length (largest remainders round, earlier stages first on ties), and a stage left with none is
 * dropped. A linear positive share is stretched with its stage, so it still ends where the stage ends; schedulers
 * and patience stay as they are, being rules per epoch.
 */
export function withEpochs(plan: Plan, totalEpochs: number): Plan {
  if (!Number.isInteger(totalEpochs) || totalEpochs < 1) throw new RangeError(`epochs must be a whole number ≥ 1, got ${totalEpochs}`);
  const lengths = plan.stages.map((s) => s.epochs);
  const total = lengths.reduce((a, b) => a + b, 0);
  if (total === totalEpochs) return plan;
  const exact = lengths.map((n) => (n * totalEpochs) / total);
  const shares = exact.map(Math.floor);
  const byRemainder = exact.map((x, i) => ({ i, rest: x - Math.floor(x) })).sort((a, b) => b.rest - a.rest || a.i - b.i);
  const left = totalEpochs - shares.reduce((a, b) => a + b, 0);
  for (let k = 0; k < left; k++) shares[byRemainder[k].i] += 1;
  const stages = plan.stages.flatMap((stage, i) => (shares[i] === 0 ? [] : [resized(stage, shares[i])]));
  return { ...plan, stages };
}

function resized(stage: Stage, epochs: number): Stage {
  const share = stage.positiveShare;
  const positiveShare =
    share.kind === 'linear' ? { ...share, epochs: Math.max(1, Math.round((share.epochs * epochs) / stage.epochs)) } : share;
  return { ...stage, epochs, positiveShare };
}

export type ManualSettings = {
  optimizer: OptimizerChoice;
  lr: number;
  loss: z.input<typeof LossSpec>;
  epochs: number;
  batchSize: number;
  weightDecay: number;
  freezeEncoder: boolean;
  encoderBatchNorm?: 'train' | 'frozen';
};

/**
 * `--plan manual`: one stage with every setting from the flags and nothing else — a constant learning rate, no
 * clipping, EMA, augmentation or early stopping, and every training image once per epoch in its own order (no
 * sampler) — so that a run can be reproduced step for step in PyTorch.
 */
export function manualPlan(settings: ManualSettings): Plan {
  return Plan.parse({
    name: MANUAL_PLAN,
    topK: 1,
    stages: [
      {
        name: MANUAL_PLAN,
        lr: settings.lr,
        scheduler: { kind: 'constant' },
        epochs: settings.epochs,
        positiveShare: { kind: 'all' },
        loss: settings.loss,
        batchSize: settings.batchSize,
        weightDecay: settings.weightDecay,
        freezeEncoder: settings.freezeEncoder,
        ...(settings.encoderBatchNorm ? { encoderBatchNorm: settings.encoderBatchNorm } : {}),
        optimizer: settings.optimizer,
        augment: false,
      },
    ],
  });
}

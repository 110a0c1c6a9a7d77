// Learning-rate schedulers stepped once per epoch, with PyTorch's formulas (torch.optim.lr_scheduler). Each is a
// pure transition over plain JSON state, so a checkpoint stores the state and a resumed run continues the same
// sequence. As in PyTorch, the rate before the first step() is the base rate; step() runs after each epoch's
// validation and gives the next epoch's rate.
import { z } from 'zod';

const ReduceOnPlateau = z.object({
  kind: z.literal('reduce-on-plateau'),
  mode: z.enum(['max', 'min']).default('max'),
  factor: z.number().gt(0).lt(1).default(0.1),
  patience: z.number().int().nonnegative().default(10),
  /** PyTorch's default: a relative improvement of 1e-4 counts */
  threshold: z.number().nonnegative().default(1e-4),
  thresholdMode: z.enum(['rel', 'abs']).default('rel'),
  cooldown: z.number().int().nonnegative().default(0),
  minLr: z.number().nonnegative().default(0),
  /** a reduction smaller than this is skipped (PyTorch's eps) */
  eps: z.number().nonnegative().default(1e-8),
});

const CosineAnnealing = z.object({
  kind: z.literal('cosine'),
  tMax: z.number().int().positive(),
  etaMin: z.number().nonnegative().default(0),
});

const CosineWarmRestarts = z.object({
  kind: z.literal('cosine-warm-restarts'),
  t0: z.number().int().positive(),
  tMult: z.number().int().positive().default(1),
  etaMin: z.number().nonnegative().default(0),
});

const Constant = z.object({ kind: z.literal('constant') });

export const SchedulerSpec = z.discriminatedUnion('kind', [ReduceOnPlateau, CosineAnnealing, CosineWarmRestarts, Constant]);
export type SchedulerSpec = z.infer<typeof SchedulerSpec>;
/** A spec as written, defaults not yet filled in. */
export type SchedulerSpecInput = z.input<typeof SchedulerSpec>;

export const SchedulerState = z.object({
  /** epochs stepped so far (PyTorch's last_epoch) */
  epoch: z.number().int().nonnegative(),
  lr: z.number().nonnegative(),
  /** ReduceLROnPlateau: best metric so far (null before the first; JSON has no infinities), bad epochs, cooldown */
  best: z.number().nullable(),
  badEpochs: z.number().int().nonnegative(),
  cooldownLeft: z.number().int().nonnegative(),
  /** CosineAnnealingWarmRestarts: the current period and the position in it */
  period: z.number().int().positive(),
  inPeriod: z.number().int().nonnegative(),
});
export type SchedulerState = z.infer<typeof SchedulerState>;

export interface Scheduler {
  readonly lr: number;
  /** Ends an epoch; ReduceLROnPlateau needs the validation metric. Returns the next epoch's rate. */
  step(metric?: number): number;
  readonly state: SchedulerState;
  load(state: SchedulerState): void;
}

export function initialSchedulerState(spec: SchedulerSpec, baseLr: number): SchedulerState {
  if (!(baseLr > 0) || !Number.isFinite(baseLr)) throw new RangeError(`the base learning rate must be positive, got ${baseLr}`);
  const period = spec.kind === 'cosine-warm-restarts' ? spec.t0 : 1;
  return { epoch: 0, lr: baseLr, best: null, badEpochs: 0, cooldownLeft: 0, period, inPeriod: 0 };
}

/** The state after one more epoch (pure). */
export function stepScheduler(spec: SchedulerSpec, baseLr: number, state: SchedulerState, metric?: number): SchedulerState {
  const epoch = state.epoch + 1;
  switch (spec.kind) {
    case 'constant':
      return { ...state, epoch };
    case 'cosine':
      // _get_closed_form_lr; past T_max the cosine rises again, as PyTorch's recursive form does.
      return { ...state, epoch, lr: cosineBetween(baseLr, spec.etaMin, epoch / spec.tMax) };
    case 'cosine-warm-restarts': {
      let { period, inPeriod } = state;
      inPeriod += 1;
      if (inPeriod >= period) {
        inPeriod -= period;
        period *= spec.tMult;
      }
      return { ...state, epoch, period, inPeriod, lr: cosineBetween(baseLr, spec.etaMin, inPeriod / period) };
    }
    case 'reduce-on-plateau':
      return plateauStep(spec, { ...state, epoch }, metric);
  }
}

export function createScheduler(spec: SchedulerSpecInput, baseLr: number): Scheduler {
  const checked = SchedulerSpec.parse(spec);
  let state = initialSchedulerState(checked, baseLr);
  return {
    get lr() {
      return state.lr;
    },
    step(metric) {
      state = stepScheduler(checked, baseLr, state, metric);
      return state.lr;
    },
    get state() {
      return { ...state };
    },
    load(saved) {
      const parsed = SchedulerState.safeParse(saved);
      if (!parsed.success) throw new Error(`not a scheduler state: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
      state = { ...parsed.data };
    },
  };
}

/** eta_min + (base − eta_min)·(1 + cos(π·fraction))/2 */
function cosineBetween(baseLr: number, etaMin: number, fraction: number): number {
  return etaMin + ((baseLr - etaMin) * (1 + Math.cos(Math.PI * fraction))) / 2;
}

type PlateauSpec = z.infer<typeof ReduceOnPlateau>;

function plateauStep(spec: PlateauSpec, state: SchedulerState, metric: number | undefined): SchedulerState {
  if (metric === undefined) throw new Error('ReduceLROnPlateau needs the validation metric at each step');
  let { best, badEpochs, cooldownLeft, lr } = state;
  if (isBetter(spec, metric, best)) {
    best = metric;
    badEpochs = 0;
  } else {
    badEpochs += 1;
  }
  if (cooldownLeft > 0) {
    cooldownLeft -= 1;
    badEpochs = 0;
  }
  if (badEpochs > spec.patience) {
    const reduced = Math.max(lr * spec.factor, spec.minLr);
    if (lr - reduced > spec.eps) lr = reduced;
    cooldownLeft = spec.cooldown;
    badEpochs = 0;
  }
  return { ...state, best, badEpochs, cooldownLeft, lr };
}

/** PyTorch's is_better; a NaN metric is never better, as in Python's comparisons. */
function isBetter(spec: PlateauSpec, metric: number, best: number | null): boolean {
  if (best === null) return !Number.isNaN(metric);
  const { mode, thresholdMode, threshold } = spec;
  if (mode === 'max') return thresholdMode === 'rel' ? metric > best * (1 + threshold) : metric > best + threshold;
  return thresholdMode === 'rel' ? metric < best * (1 - threshold) : metric < best - threshold;
}

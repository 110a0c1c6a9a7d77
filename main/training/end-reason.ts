// Why a training run ended, decided here once and stated in words: every epoch done, early stopping (which stage,
// when, and the validation Dice that stopped improving), a cancel by the user or by the application closing, a stop
// by force after a cancel, or a failure with its message.
import type { TrainingEnd } from '../api/contract';
import type { Plan } from '../../ml/train/plans';
import type { EpochRecord } from '../../ml/train/trainer';
import { TRAINING_TERMINATED } from './start-worker';

const epochs = (n: number) => `${n} epoch${n === 1 ? '' : 's'}`;

/** Why a stage ran fewer epochs than planned: the trainer stops one after more than `patience` epochs without a new best. */
function earlyStop(stage: Plan['stages'][number], records: readonly EpochRecord[]): string {
  // The first of equal scores is the best: only a strictly higher score is a new best (model-selection.ts).
  const best = records.reduce((top, record) => ((record.valDice ?? -Infinity) > (top.valDice ?? -Infinity) ? record : top));
  const since = records.length - 1 - records.indexOf(best);
  return (
    `early after epoch ${records.length} of ${stage.epochs}: the validation Dice had not improved for ${epochs(since)} since its best, ` +
    `${best.valDice?.toFixed(4)} at epoch ${best.epoch + 1} (the plan stops a stage after ${epochs(stage.earlyStopPatience ?? 0)} without one).`
  );
}

/**
 * The end of a run that trained to its last stage: `plan` as run (cut to the run's epochs), `history` every epoch
 * validated; or of one that reached its step limit (`--steps`), which is said instead.
 */
export function finishedEnd(plan: Plan, history: readonly EpochRecord[], stepLimit?: { steps: number; limit?: number }): TrainingEnd {
  if (stepLimit?.limit !== undefined && stepLimit.steps >= stepLimit.limit) {
    return { kind: 'completed', text: `Stopped after ${stepLimit.steps} optimiser step${stepLimit.steps === 1 ? '' : 's'}, the run's step limit.` };
  }
  const named = plan.stages.length > 1;
  const stops = plan.stages.flatMap((stage, index) => {
    const records = history.filter((record) => record.stage === index);
    if (records.length === 0 || records.length >= stage.epochs) return [];
    return [{ last: index === plan.stages.length - 1, text: `${named ? `Stage "${stage.name}" stopped` : 'Stopped'} ${earlyStop(stage, records)}` }];
  });
  const texts = stops.map((stop) => stop.text);
  if (stops.at(-1)?.last) return { kind: 'early-stopped', text: texts.join(' ') };
  const planned = plan.stages[0].epochs;
  const done = named ? `Finished all ${plan.stages.length} stages.` : `Finished ${planned === 1 ? 'its 1 epoch' : `all ${planned} epochs`}.`;
  return { kind: 'completed', text: [done, ...texts].join(' ') };
}

/** Who asked the run to stop, if anyone: the user's Cancel, or the application closing. */
export type StopRequest = 'user' | 'shutdown' | null;

/** The end of a run whose worker ended with `error`. */
export function stoppedEnd(error: Pick<Error, 'name' | 'message'>, request: StopRequest): TrainingEnd {
  if (request !== null && error.name === TRAINING_TERMINATED) return { kind: 'stopped-by-force', text: `${error.message[0].toUpperCase()}${error.message.slice(1)}.` };
  if (request === 'user') return { kind: 'cancelled', text: 'Cancelled by the user.' };
  if (request === 'shutdown') return { kind: 'cancelled', text: 'Cancelled: the application was closing.' };
  return { kind: 'failed', text: `Failed: ${error.message}` };
}

/** A run whose record says it was still active when read: the session that ran it ended mid-run. */
export const INTERRUPTED_END: TrainingEnd = { kind: 'failed', text: 'Failed: the application stopped during this run.' };

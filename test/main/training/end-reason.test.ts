// Why a run ended, in words: from the plan as run and its validated epochs, or from how its worker stopped.
import { describe, expect, it } from 'vitest';
import { finishedEnd, stoppedEnd } from '../../../main/training/end-reason';
import { TRAINING_TERMINATED } from '../../../main/training/start-worker';
import type { EpochRecord } from '../../../ml/train/trainer';
import { toyPlan } from '../../fixtures/toy-training';

const epochs = (stage: number, scores: number[]): EpochRecord[] =>
  scores.map((valDice, epoch) => ({ stage, epoch, valDice, loss: 1, lr: 1e-5, best: { top: 0.5, minArea: 0, bottom: 0.3, score: valDice }, seconds: 1 }));

describe('finishedEnd', () => {
  it('says every epoch was done', () => {
    expect(finishedEnd(toyPlan({}, 3), epochs(0, [0.3, 0.4, 0.5]))).toEqual({ kind: 'completed', text: 'Finished all 3 epochs.' });
    expect(finishedEnd(toyPlan({}, 1), epochs(0, [0.3])).text).toBe('Finished its 1 epoch.');
  });

  it('says early stopping ended the run, after which epoch, since which best and at what patience', () => {
    // patience 2: the best at epoch 2, then three epochs without a new one (more than 2) stop the stage after epoch 5
    const plan = toyPlan({ earlyStopPatience: 2 }, 8);
    expect(finishedEnd(plan, epochs(0, [0.3, 0.5, 0.4, 0.5, 0.49]))).toEqual({
      kind: 'early-stopped',
      text: 'Stopped early after epoch 5 of 8: the validation Dice had not improved for 3 epochs since its best, 0.5000 at epoch 2 (the plan stops a stage after 2 epochs without one).',
    });
  });

  it('names the stage of a plan with several that stopped early, the run going on to the next', () => {
    const [first] = toyPlan({ earlyStopPatience: 0 }, 4).stages;
    const plan = { ...toyPlan({}, 2), stages: [{ ...first, name: 'plateau' }, { ...first, name: 'cosine', earlyStopPatience: undefined, epochs: 2 }] };
    expect(finishedEnd(plan, [...epochs(0, [0.6, 0.5]), ...epochs(1, [0.61, 0.62])])).toEqual({
      kind: 'completed',
      text: 'Finished all 2 stages. Stage "plateau" stopped early after epoch 2 of 4: the validation Dice had not improved for 1 epoch since its best, 0.6000 at epoch 1 (the plan stops a stage after 0 epochs without one).',
    });
  });
});

describe('stoppedEnd', () => {
  const failure = { name: 'Error', message: 'out of memory at 1024 pixels' };
  it('tells a cancel by the user from one by the application closing, and both from a failure', () => {
    expect(stoppedEnd({ name: 'TrainingCancelledError', message: 'training cancelled' }, 'user')).toEqual({ kind: 'cancelled', text: 'Cancelled by the user.' });
    expect(stoppedEnd({ name: 'TrainingCancelledError', message: 'training cancelled' }, 'shutdown')).toEqual({ kind: 'cancelled', text: 'Cancelled: the application was closing.' });
    expect(stoppedEnd(failure, null)).toEqual({ kind: 'failed', text: 'Failed: out of memory at 1024 pixels' });
  });

  it('says a run was stopped by force, and why, only after a cancel', () => {
    const forced = { name: TRAINING_TERMINATED, message: 'the run did not stop within 5 s of the cancel, so it was stopped by force' };
    expect(stoppedEnd(forced, 'user')).toEqual({ kind: 'stopped-by-force', text: 'The run did not stop within 5 s of the cancel, so it was stopped by force.' });
    expect(stoppedEnd(forced, null).kind).toBe('failed');
  });
});

import { describe, expect, it } from 'vitest';
import { Plan, planPreset, planPresetNames, Stage, thirdPlaceEma, withEpochs } from '../../../ml/train/plans';

describe('planPreset', () => {
  it('first-place holds the four stages of the science table', () => {
    const plan = planPreset('first-place');
    const rows = plan.stages.map((s) => [s.lr, s.scheduler.kind, s.epochs, s.earlyStopPatience, s.positiveShare]);
    expect(rows).toEqual([
      [1e-4, 'reduce-on-plateau', 50, 10, { kind: 'constant', p: 0.8 }],
      [1e-5, 'cosine', 50, 12, { kind: 'constant', p: 0.6 }],
      [1e-5, 'cosine', 50, 12, { kind: 'constant', p: 0.4 }],
      [1e-5, 'cosine-warm-restarts', 40, 12, { kind: 'constant', p: 0.5 }],
    ]);
    expect(plan.stages[0].scheduler).toMatchObject({ mode: 'max', factor: 0.1, patience: 2, minLr: 1e-7 });
    expect(plan.stages[1].scheduler).toEqual({ kind: 'cosine', tMax: 8, etaMin: 1e-7 });
    expect(plan.stages[3].scheduler).toEqual({ kind: 'cosine-warm-restarts', t0: 1, tMult: 2, etaMin: 0 });
    for (const stage of plan.stages) {
      expect(stage).toMatchObject({ batchSize: 2, clipNorm: 0.1, weightDecay: 5e-6, freezeEncoder: false });
      expect(stage.loss).toEqual({ kind: 'combo', bce: 3, dice: 1, focal: 4 });
    }
  });

  it('fourth-place is one cosine stage with the sliding share and the multi-task loss', () => {
    const [stage, ...rest] = planPreset('fourth-place').stages;
    expect(rest).toEqual([]);
    expect(stage).toMatchObject({
      lr: 7.5e-5,
      scheduler: { kind: 'cosine', tMax: 8, etaMin: 1e-6 },
      positiveShare: { kind: 'linear', from: 0.8, to: 0.22, epochs: 60 },
      loss: { kind: 'fourth-place' },
      encoderBatchNorm: 'frozen',
      epochs: 60,
    });
    expect(stage.earlyStopPatience).toBeUndefined();
  });

  it('quick is a short annealed fine-tune, and every preset is a valid Plan', () => {
    const quick = planPreset('quick');
    expect(quick.stages).toHaveLength(1);
    expect(quick.stages[0]).toMatchObject({ lr: 1e-5, epochs: 8, scheduler: { kind: 'cosine', tMax: 8 } });
    for (const name of planPresetNames) expect(Plan.parse(JSON.parse(JSON.stringify(planPreset(name))))).toEqual(planPreset(name));
    expect(() => planPreset('second-place')).toThrow(/unknown plan "second-place"; the presets are first-place, fourth-place, quick/);
  });

  it('takes the 3rd place EMA as a stage option and rejects a malformed stage', () => {
    const plan = planPreset('quick');
    expect(Stage.parse({ ...plan.stages[0], ema: thirdPlaceEma }).ema).toEqual({ decay: 0.99, startEpoch: 6 });
    expect(Plan.safeParse({ ...plan, stages: [{ ...plan.stages[0], lr: 0 }] }).success).toBe(false);
    expect(Plan.safeParse({ ...plan, stages: [] }).success).toBe(false);
    expect(Plan.safeParse({ ...plan, stages: [{ ...plan.stages[0], ema: { decay: 1, startEpoch: 6 } }] }).success).toBe(false);
  });
});

describe('withEpochs', () => {
  const epochs = (plan: Plan) => plan.stages.map((s) => s.epochs);

  it('shares the total among the stages in proportion, largest remainders first', () => {
    const plan = planPreset('first-place'); // 50, 50, 50, 40 = 190
    expect(epochs(withEpochs(plan, 19))).toEqual([5, 5, 5, 4]);
    // 10·50/190 = 2.63 (×3), 10·40/190 = 2.11: floors 2, 2, 2, 2; the 2 left go to the first two stages.
    expect(epochs(withEpochs(plan, 10))).toEqual([3, 3, 2, 2]);
    expect(epochs(withEpochs(plan, 380))).toEqual([100, 100, 100, 80]);
    expect(withEpochs(plan, 190)).toBe(plan);
  });

  it('drops the stages left without an epoch', () => {
    const cut = withEpochs(planPreset('first-place'), 2);
    expect(cut.stages.map((s) => [s.name, s.epochs])).toEqual([['plateau', 1], ['cosine-0.6', 1]]);
    expect(() => withEpochs(cut, 0)).toThrow(/≥ 1/);
  });

  it('stretches a linear positive share with its stage', () => {
    const [stage] = withEpochs(planPreset('fourth-place'), 15).stages;
    expect(stage.epochs).toBe(15);
    expect(stage.positiveShare).toEqual({ kind: 'linear', from: 0.8, to: 0.22, epochs: 15 });
  });
});

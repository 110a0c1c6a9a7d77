import { describe, expect, it } from 'vitest';
import { createScheduler, type SchedulerSpecInput } from '../../../ml/train/schedules';

/** The rate of epoch 0 followed by the rate after each of `epochs` steps. */
function rates(spec: SchedulerSpecInput, baseLr: number, epochs: number, metrics: number[] = []): number[] {
  const scheduler = createScheduler(spec, baseLr);
  const out = [scheduler.lr];
  for (let e = 0; e < epochs; e++) out.push(scheduler.step(metrics[e]));
  return out;
}

function expectClose(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  expected.forEach((value, i) => expect(actual[i]).toBeCloseTo(value, 15));
}

describe('CosineAnnealingLR', () => {
  it('follows the closed form from 1e-5 down to eta_min 1e-7 over T_max 8', () => {
    // lr(e) = 1e-7 + (1e-5 − 1e-7)·(1 + cos(π·e/8))/2, e = 0…8:
    // cos: 1, 0.92388, 0.70711, 0.38268, 0, −0.38268, −0.70711, −0.92388, −1
    const expected = [
      1e-5, 9.62320368593087e-6, 8.550178566873412e-6, 6.9442829902071945e-6, 5.05e-6, 3.1557170097928058e-6,
      1.54982143312659e-6, 4.7679631406913065e-7, 1e-7,
    ];
    expectClose(rates({ kind: 'cosine', tMax: 8, etaMin: 1e-7 }, 1e-5, 8), expected);
  });

  it('rises again past T_max, as PyTorch does over the 1st place 50-epoch stages', () => {
    const lr = rates({ kind: 'cosine', tMax: 8, etaMin: 1e-7 }, 1e-5, 16);
    // e = 12: cos(1.5π) = 0, back at the midpoint; e = 16: cos(2π) = 1, back at the base rate.
    expect(lr[12]).toBeCloseTo(5.05e-6, 15);
    expect(lr[16]).toBeCloseTo(1e-5, 15);
  });
});

describe('CosineAnnealingWarmRestarts', () => {
  it('doubles its period with T_mult 2: restarts after epochs 1, 3, 7', () => {
    // T_0 1: period 1 → restart at 1 (period 2); 2: T_cur 1/2 → 0.5; restart at 3 (period 4);
    // 4: 1/4 → (1 + cos(π/4))/2 = 0.8535534; 5: 0.5; 6: (1 + cos(3π/4))/2 = 0.1464466; restart at 7 (period 8).
    const base = 1e-5;
    const expected = [1, 1, 0.5, 1, 0.8535533905932737, 0.5, 0.14644660940672627, 1, 0.9619397662556434].map((f) => f * base);
    expectClose(rates({ kind: 'cosine-warm-restarts', t0: 1, tMult: 2 }, base, 8), expected);
  });

  it('repeats a fixed period with T_mult 1 and honours eta_min', () => {
    // T_0 2, eta_min 1: lr = 1 + (3 − 1)·(1 + cos(π·T_cur/2))/2 → 3, 2, 3, 2
    expectClose(rates({ kind: 'cosine-warm-restarts', t0: 2, etaMin: 1 }, 3, 3), [3, 2, 3, 2]);
  });
});

describe('ReduceLROnPlateau (mode max)', () => {
  const spec: SchedulerSpecInput = { kind: 'reduce-on-plateau', mode: 'max', factor: 0.1, patience: 2, minLr: 1e-7 };

  it('cuts the rate tenfold after more than `patience` epochs without a relative gain of 1e-4', () => {
    // 0.5 best; 0.6 best; 0.60001 is not > 0.6·1.0001 = 0.60006 (bad 1); 0.59 bad 2; 0.58 bad 3 > 2 → 1e-5;
    // 0.7 best; then three bad epochs → 1e-6.
    const metrics = [0.5, 0.6, 0.60001, 0.59, 0.58, 0.7, 0.69, 0.69, 0.69];
    expectClose(rates(spec, 1e-4, 9, metrics), [1e-4, 1e-4, 1e-4, 1e-4, 1e-4, 1e-5, 1e-5, 1e-5, 1e-5, 1e-6]);
  });

  it('stops at min_lr', () => {
    const scheduler = createScheduler(spec, 1e-6);
    const flat = Array.from({ length: 12 }, () => scheduler.step(0.5));
    // 1e-6 → 1e-7 after the 4th epoch; 1e-7·0.1 is below min_lr, so it stays at 1e-7.
    expect(flat[3]).toBeCloseTo(1e-7, 20);
    expect(flat[11]).toBe(flat[3]);
  });

  it('needs the metric, and waits out a cooldown', () => {
    expect(() => createScheduler(spec, 1e-4).step()).toThrow(/validation metric/);
    // cooldown 1: the epoch after a cut counts no bad epoch, so the next cut comes one epoch later.
    const withCooldown = rates({ ...spec, cooldown: 1 }, 1, 8, [1, 0, 0, 0, 0, 0, 0, 0]);
    expectClose(withCooldown, [1, 1, 1, 1, 0.1, 0.1, 0.1, 0.1, 0.01]);
  });
});

describe('scheduler state', () => {
  it('continues identically after a JSON round trip', () => {
    for (const spec of [
      { kind: 'reduce-on-plateau', patience: 1 },
      { kind: 'cosine-warm-restarts', t0: 1, tMult: 2 },
      { kind: 'cosine', tMax: 8 },
    ] as SchedulerSpecInput[]) {
      const metrics = [0.3, 0.2, 0.25, 0.1, 0.4, 0.3, 0.3, 0.35];
      const whole = rates(spec, 1e-3, 8, metrics);
      const first = createScheduler(spec, 1e-3);
      for (const m of metrics.slice(0, 4)) first.step(m);
      const resumed = createScheduler(spec, 1e-3);
      resumed.load(JSON.parse(JSON.stringify(first.state)));
      expect([resumed.lr, ...metrics.slice(4).map((m) => resumed.step(m))]).toEqual(whole.slice(4));
    }
  });

  it('keeps the constant rate and rejects bad specs and states', () => {
    expect(rates({ kind: 'constant' }, 1e-4, 3)).toEqual([1e-4, 1e-4, 1e-4, 1e-4]);
    expect(() => createScheduler({ kind: 'cosine', tMax: 0 }, 1e-4)).toThrow();
    expect(() => createScheduler({ kind: 'constant' }, 0)).toThrow(/positive/);
    expect(() => createScheduler({ kind: 'constant' }, 1).load({ epoch: -1 } as never)).toThrow(/not a scheduler state/);
  });
});

import { describe, expect, it } from 'vitest';
import { Rng } from '../../ml/random';

describe('Rng', () => {
  it('repeats its sequence from the same seed and from a saved state', () => {
    const a = new Rng(42);
    const first = [a.next(), a.next()];
    expect([new Rng(42).next(), new Rng(42).next()]).toEqual([first[0], first[0]]);
    const saved = a.state;
    const next = [a.next(), a.int(10), a.normal()];
    const resumed = Rng.fromState(saved);
    expect([resumed.next(), resumed.int(10), resumed.normal()]).toEqual(next);
  });

  it('draws in range and honours the chance edge cases', () => {
    const rng = new Rng(1);
    for (let i = 0; i < 1000; i++) {
      const u = rng.uniform(2, 3);
      expect(u >= 2 && u < 3).toBe(true);
      expect(rng.int(5)).toBeLessThan(5);
    }
    expect(rng.chance(0)).toBe(false);
    expect(rng.chance(1)).toBe(true);
  });

  it('shuffles to a permutation', () => {
    const items = [1, 2, 3, 4, 5, 6];
    expect(new Rng(7).shuffle([...items]).sort()).toEqual(items);
  });
});

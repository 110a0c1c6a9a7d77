// One seeded random generator for everything in ml/ that draws (initial weights, sampling, augmentation,
// phantoms). Its whole state is one 32-bit integer, so a training checkpoint can store it and a resumed run
// draws exactly the same sequence (albumentations' rule: no global RNG, every pipeline owns its generator).

/** mulberry32's increment: the state after n draws is the seed plus n times this, modulo 2^32. */
const STEP = 0x6d2b79f5;

/** mulberry32's output for an (already advanced) state: uniform in [0, 1). */
function output(state: number): number {
  let t = Math.imul(state ^ (state >>> 15), state | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** Box–Muller's cosine branch from two uniforms in [0, 1). */
function gaussian(u: number, v: number): number {
  return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
}

/** mulberry32: small, fast, good enough for sampling and augmentation (not for cryptography). */
export class Rng {
  private a: number;

  constructor(seed: number) {
    this.a = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.a = (this.a + STEP) >>> 0;
    return output(this.a);
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = this.next();
    return gaussian(u, this.next());
  }

  /**
   * Fills `out` with (2·next() − 1) · bound, uniform in [−bound, bound): the very numbers a loop of next() calls
   * gives, with the state in a local.
   */
  fillUniform(out: Float32Array, bound: number): void {
    let state = this.a;
    for (let i = 0; i < out.length; i++) {
      state = (state + STEP) >>> 0;
      out[i] = (2 * output(state) - 1) * bound;
    }
    this.a = state;
  }

  /**
   * Fills `out` with normal() · scale, the very numbers a loop of normal() calls draws: with the state in a local,
   * the tens of millions of draws of an encoder's initial weights run about a sixth faster.
   */
  fillNormal(out: Float32Array, scale: number): void {
    let state = this.a;
    for (let i = 0; i < out.length; i++) {
      state = (state + STEP) >>> 0;
      const u = output(state);
      state = (state + STEP) >>> 0;
      out[i] = gaussian(u, output(state)) * scale;
    }
    this.a = state;
  }

  /** True with probability p (p ≤ 0 never, p ≥ 1 always, as albumentations' should_apply). */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.next() < p;
  }

  /** Fisher–Yates, in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  /** An independent generator derived from this one's next draw (a child per worker, per transform…). */
  fork(): Rng {
    return new Rng(Math.floor(this.next() * 4294967296) ^ 0x9e3779b9);
  }

  get state(): number {
    return this.a;
  }

  static fromState(state: number): Rng {
    return new Rng(state);
  }
}

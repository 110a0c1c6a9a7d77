// What the ONNX losses are built from: a loss term is a scalar together with its gradient in closed form, so the
// training step needs no automatic differentiation of the loss. The per-pixel terms (BCE, soft Dice, focal) follow
// ml/train/losses, the TF.js reference, formula for formula.
import type { OnnxGraphBuilder } from '../../io/onnx-builder';

/**
 * A scalar loss on one tensor: `value` has shape []; `gradient(scale)` is scale · d value / d input, shaped like the
 * input, for a scalar ONNX value `scale`. Weights and the combo floor reach a term as that scale, so they cost one
 * scalar multiplication each and no extra pass over the pixels.
 */
export type LossTerm = { value: string; gradient: (scale: string) => string };

/** Logits and their 0/1 targets (same shape), with the sigmoids the terms share computed once. */
export class Scores {
  private readonly memo = new Map<string, string>();

  constructor(
    readonly b: OnnxGraphBuilder,
    readonly logits: string,
    readonly target: string,
    /** elements in `logits` */
    readonly count: number,
  ) {}

  /**
   * p = σ(x) = 1/(1 + exp(−x)). Not onnxruntime's Sigmoid: its CPU kernel is an approximation off by up to 1.2e-7
   * and 0 from x ≈ −18 down (σ(−17) comes out 8.9e-8, not 4.1e-8), which would move focal's log pt and its clamp.
   */
  get p(): string {
    return this.once('p', () => this.logistic(this.b.op('Neg', [this.logits])));
  }

  /** σ(−x) = 1/(1 + exp(x)) = 1 − p without the cancellation of 1 − p when p is near 1 */
  get q(): string {
    return this.once('q', () => this.logistic(this.logits));
  }

  /** dσ/dx = p·(1 − p), written p·σ(−x) so that it stays accurate at both tails */
  get slope(): string {
    return this.once('slope', () => this.b.op('Mul', [this.p, this.q]));
  }

  /** 1/(1 + exp(z)): exact to an ulp or two, and 0 where exp overflows */
  private logistic(z: string): string {
    return this.b.op('Reciprocal', [this.b.op('Add', [this.b.floats([1]), this.b.op('Exp', [z])])]);
  }

  private once(key: string, make: () => string): string {
    let value = this.memo.get(key);
    if (value === undefined) this.memo.set(key, (value = make()));
    return value;
  }
}

/** scale·factor as a scalar value (scale itself when the factor is 1). */
export function times(b: OnnxGraphBuilder, scale: string, factor: number): string {
  return factor === 1 ? scale : b.op('Mul', [scale, b.floats([factor])]);
}

/** mean(softplus(x) − x·t), PyTorch's BCEWithLogitsLoss; its gradient is (σ(x) − t)/count. */
export function bceTerm(s: Scores): LossTerm {
  const { b, logits: x, target: t } = s;
  // softplus(x) = relu(x) + log1p(exp(−|x|)), which onnxruntime evaluates without overflow.
  const perElement = b.op('Sub', [b.op('Softplus', [x]), b.op('Mul', [x, t])]);
  return {
    value: b.op('ReduceMean', [perElement], { keepdims: 0 }),
    gradient: (scale) => b.op('Mul', [b.op('Sub', [s.p, t]), times(b, scale, 1 / s.count)]),
  };
}

const DICE_SMOOTH = 1e-6;

/**
 * 1 − r with r = (2Σp·t + 1e-6) / D, D = Σp + Σt + 1e-6, over every pixel of the batch. d/dp_i = (r − 2t_i)/D, so
 * the gradient is σ'(x)·(r − 2t)·(scale/D).
 */
export function diceTerm(s: Scores): LossTerm {
  const { b, target: t } = s;
  const sum = (value: string) => b.op('ReduceSum', [value], { keepdims: 0 });
  const smooth = b.floats([DICE_SMOOTH]);
  const overlap = b.op('Add', [b.op('Mul', [sum(b.op('Mul', [s.p, t])), b.floats([2])]), smooth]);
  const total = b.op('Add', [b.op('Add', [sum(s.p), sum(t)]), smooth]);
  const ratio = b.op('Div', [overlap, total]);
  return {
    value: b.op('Sub', [b.floats([1]), ratio]),
    gradient: (scale) => {
      const perPixel = b.op('Mul', [s.slope, b.op('Sub', [ratio, b.op('Mul', [t, b.floats([2])])])]);
      return b.op('Mul', [perPixel, b.op('Div', [scale, total])]);
    },
  };
}

const FOCAL_EPS = 1e-8;

/**
 * mean(−(1 − pt)²·log pt), pt = t·max(p, 1e-8) + (1 − t)·max(σ(−x), 1e-8): the reference's clamp written as maxima
 * (ml/train/losses/focal.ts says why). dl/dpt = (1 − pt)·(2 log pt − (1 − pt)/pt); dpt/dx = σ'(x)·(t·[p ≥ 1e-8] −
 * (1 − t)·[σ(−x) ≥ 1e-8]), a clamped bound passing no gradient, as a maximum's and torch.clamp's do.
 */
export function focalTerm(s: Scores): LossTerm {
  const { b, target: t } = s;
  const eps = b.floats([FOCAL_EPS]);
  const one = b.floats([1]);
  const notT = b.op('Sub', [one, t]);
  const pt = b.op('Add', [b.op('Mul', [t, b.op('Max', [s.p, eps])]), b.op('Mul', [notT, b.op('Max', [s.q, eps])])]);
  const miss = b.op('Sub', [one, pt]);
  const logPt = b.op('Log', [pt]);
  return {
    value: b.op('Neg', [b.op('ReduceMean', [b.op('Mul', [b.op('Mul', [miss, miss]), logPt])], { keepdims: 0 })]),
    gradient: (scale) => {
      const zero = b.floats([0]);
      const unclamped = (value: string, weight: string) => b.op('Where', [b.op('GreaterOrEqual', [value, eps]), weight, zero]);
      const dPt = b.op('Mul', [s.slope, b.op('Sub', [unclamped(s.p, t), unclamped(s.q, notT)])]);
      const dLoss = b.op('Mul', [miss, b.op('Sub', [b.op('Mul', [logPt, b.floats([2])]), b.op('Div', [miss, pt])])]);
      return b.op('Mul', [b.op('Mul', [dLoss, dPt]), times(b, scale, 1 / s.count)]);
    },
  };
}

/** Σ weight·term over terms of the same tensor, in the order given; weights of 0 are the caller's to drop. */
export function weightedSum(b: OnnxGraphBuilder, parts: readonly { term: LossTerm; weight: number }[]): LossTerm {
  if (parts.length === 0) throw new Error('a weighted loss needs at least one term');
  const value = parts
    .map(({ term, weight }) => times(b, term.value, weight))
    .reduce((total, part) => b.op('Add', [total, part]));
  return {
    value,
    gradient: (scale) => parts.map(({ term, weight }) => term.gradient(times(b, scale, weight))).reduce((total, part) => b.op('Add', [total, part])),
  };
}

/** max(value, floor), as torch.clamp(min=floor): below the floor the gradient is 0 (at the floor it passes). */
export function floored(b: OnnxGraphBuilder, term: LossTerm, floor: number): LossTerm {
  const bound = b.floats([floor]);
  const passes = b.op('Cast', [b.op('GreaterOrEqual', [term.value, bound])], { to: 1 });
  return {
    value: b.op('Max', [term.value, bound]),
    gradient: (scale) => term.gradient(b.op('Mul', [scale, passes])),
  };
}

// The Lovász hinge per image (Berman's lovasz_hinge(per_image=True)), the 3rd-place loss, with its gradient.
import type { OnnxGraphBuilder } from '../../io/onnx-builder';
import type { Shape } from '../../models/shapes';
import { times, type LossTerm, type Scores } from './loss-terms';

/**
 * Mean over images of Σ relu(e_sorted)·g, e = 1 − x·(2t − 1) sorted descending by TopK, g the Jaccard increments
 * of the labels in that order. PyTorch takes the sort permutation as a constant (perm = perm.data), so the
 * gradient is d/de_sorted = g·[e_sorted > 0], scattered back to pixel order and times de/dx = −(2t − 1).
 */
export function lovaszTerm(s: Scores, shape: Shape): LossTerm {
  const { b } = s;
  const [images] = shape;
  const pixels = s.count / images;
  const rows = b.int64s([images, pixels]);
  const labels = b.op('Reshape', [s.target, rows]);
  const signs = b.op('Sub', [b.op('Mul', [labels, b.floats([2])]), b.floats([1])]);
  const errors = b.op('Sub', [b.floats([1]), b.op('Mul', [b.op('Reshape', [s.logits, rows]), signs])]);
  // named here: the builder would give both outputs the same fresh name
  const names = [b.fresh('sorted_errors'), b.fresh('sort_order')];
  const [sorted, order] = b.opMulti('TopK', [errors, b.int64s([pixels])], 2, { axis: 1, largest: 1, sorted: 1 }, { names });
  const increments = jaccardIncrements(b, b.op('GatherElements', [labels, order], { axis: 1 }), pixels);
  const perImage = b.op('ReduceSum', [b.op('Mul', [b.op('Relu', [sorted]), increments]), b.int64s([1])], { keepdims: 0 });
  return {
    value: b.op('ReduceMean', [perImage], { keepdims: 0 }),
    gradient: (scale) => {
      const active = b.op('Where', [b.op('Greater', [sorted, b.floats([0])]), increments, b.floats([0])]);
      const inPixelOrder = b.op('ScatterElements', [b.op('ConstantOfShape', [rows]), order, active], { axis: 1 });
      const perPixel = b.op('Mul', [b.op('Mul', [inPixelOrder, signs]), times(b, scale, -1 / images)]);
      return b.op('Reshape', [perPixel, b.int64s([...shape])]);
    },
  };
}

/** lovasz_grad per row: J_i = 1 − (P − cumsum(t)_i) / (P + cumsum(1 − t)_i) for P positives; g_0 = J_0, g_i = J_i − J_(i−1). */
function jaccardIncrements(b: OnnxGraphBuilder, sortedLabels: string, pixels: number): string {
  const axis = b.int64s([1], []);
  const positives = b.op('ReduceSum', [sortedLabels, b.int64s([1])], { keepdims: 1 });
  const one = b.floats([1]);
  const intersection = b.op('Sub', [positives, b.op('CumSum', [sortedLabels, axis])]);
  const union = b.op('Add', [positives, b.op('CumSum', [b.op('Sub', [one, sortedLabels]), axis])]);
  const jaccard = b.op('Sub', [one, b.op('Div', [intersection, union])]);
  // J shifted one pixel along the row, a 0 entering first
  const head = b.op('Slice', [jaccard, b.int64s([0]), b.int64s([pixels - 1]), b.int64s([1])]);
  const previous = b.op('Pad', [head, b.int64s([0, 1, 0, 0])]);
  return b.op('Sub', [jaccard, previous]);
}

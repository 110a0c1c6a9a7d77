// Gradient clipping inside the training step, as torch 1.13's clip_grad_norm_(parameters, max_norm): the L2 norm of
// each gradient, the L2 norm of those norms, and every gradient times min(1, max_norm / (total + 1e-6)).
import type { OnnxGraphBuilder } from '../../io/onnx-builder';

/** torch's guard against dividing by a zero norm, kept so that clipped values match PyTorch's. */
const NORM_EPSILON = 1e-6;

/** The name of the total norm: the value the step reports as its output `grad_norm`. */
export const GRAD_NORM = 'grad_norm';

/** The clipped gradients, and `norm`, the total before clipping (named `grad_norm`; declaring it an output is the caller's). */
export function emitClipGradNorm(b: OnnxGraphBuilder, grads: readonly string[], maxNorm: number): { grads: string[]; norm: string } {
  if (!(maxNorm > 0)) throw new RangeError(`gradient clipping needs a positive max norm, got ${maxNorm}`);
  if (grads.length === 0) throw new Error('gradient clipping needs at least one gradient');
  const squares = grads.map((grad) => {
    const norm = b.op('ReduceL2', [grad], { keepdims: 0 });
    return b.op('Mul', [norm, norm]);
  });
  const norm = b.op('Sqrt', [b.op('Sum', squares)], {}, { name: GRAD_NORM });
  const wanted = b.op('Div', [b.floats([maxNorm]), b.op('Add', [norm, b.floats([NORM_EPSILON])])]);
  const coefficient = b.op('Min', [wanted, b.floats([1])]);
  return { grads: grads.map((grad) => b.op('Mul', [grad, coefficient])), norm };
}

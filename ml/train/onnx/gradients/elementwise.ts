// Gradients of the elementwise ops: relu, sigmoid and silu, and add, mul and max with NumPy broadcasting.
import type { OnnxGraphBuilder } from '../../../io/onnx-builder';
import { ONNX_FLOAT, unbroadcast } from './helpers';
import type { NodeGradientArgs, NodeGradients } from './types';

/**
 * PyTorch's threshold_backward: the gradient passes where the output is positive, and is 0 where it is ≤ 0. As dy
 * times a 0/1 mask: onnxruntime's Where is not vectorised, and Where(y > 0, dy, 0) measured 1.6–2x the time of
 * Mul(dy, Cast(y > 0)) on 2x32x256² maps. Only non-finite values tell the two apart (a NaN output passes nothing
 * here, an infinite dy at a masked cell gives NaN): training has failed before either happens.
 */
export function reluGradients(b: OnnxGraphBuilder, args: NodeGradientArgs): NodeGradients {
  const mask = b.op('Cast', [b.op('Greater', [args.output, b.floats([0])])], { to: ONNX_FLOAT });
  return { inputs: [b.op('Mul', [args.dy, mask])] };
}

/** dy·(1 − s)·s in PyTorch's order, s the sigmoid's output. */
export function sigmoidGradients(b: OnnxGraphBuilder, args: NodeGradientArgs): NodeGradients {
  const oneMinus = b.op('Sub', [b.floats([1]), args.output]);
  return { inputs: [b.op('Mul', [b.op('Mul', [args.dy, oneMinus]), args.output])] };
}

/** PyTorch's silu_backward: dy·s·(1 + x·(1 − s)), s the sigmoid the forward pass saved. */
export function siluGradients(b: OnnxGraphBuilder, args: NodeGradientArgs): NodeGradients {
  if (!args.needInputs[0]) return { inputs: [undefined] };
  const s = args.saved.sigmoid;
  const slope = b.op('Add', [b.floats([1]), b.op('Mul', [args.inputs[0], b.op('Sub', [b.floats([1]), s])])]);
  return { inputs: [b.op('Mul', [b.op('Mul', [args.dy, s]), slope])] };
}

export function addGradients(b: OnnxGraphBuilder, args: NodeGradientArgs): NodeGradients {
  return { inputs: perInput(b, args, () => args.dy) };
}

/** d(x·y) = dy·y for x and dy·x for y. */
export function mulGradients(b: OnnxGraphBuilder, args: NodeGradientArgs): NodeGradients {
  const [x, y] = args.inputs;
  const other = [y, x];
  return { inputs: perInput(b, args, (k) => b.op('Mul', [args.dy, other[k]])) };
}

/** torch.maximum: the larger input takes the gradient; on a tie each takes half. */
export function maxGradients(b: OnnxGraphBuilder, args: NodeGradientArgs): NodeGradients {
  const [x, y] = args.inputs;
  const { dy } = args;
  const zero = b.floats([0]);
  const tie = b.op('Where', [b.op('Equal', [x, y]), b.op('Mul', [dy, b.floats([0.5])]), zero]);
  const first = b.op('Where', [b.op('Greater', [x, y]), dy, tie]);
  // dy − dy·w is exact for w ∈ {0, ½, 1}: the halves of a tie are equal and the parts sum to dy.
  return { inputs: perInput(b, args, (k) => (k === 0 ? first : b.op('Sub', [dy, first]))) };
}

/** Each needed input's gradient at the output's shape, summed back over the axes that input was broadcast along. */
function perInput(b: OnnxGraphBuilder, args: NodeGradientArgs, full: (k: number) => string): (string | undefined)[] {
  return args.needInputs.map((need, k) => (need ? unbroadcast(b, full(k), args.inputShapes[k], args.outputShape) : undefined));
}

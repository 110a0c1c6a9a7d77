// Gradients of the pooling ops: max pooling through the indices its forward pass saved, global average pooling.
import type { OnnxGraphBuilder } from '../../../io/onnx-builder';
import { zeros } from './helpers';
import type { NodeGradientArgs, NodeGradients } from './types';

/**
 * Each output's gradient goes to the input cell that won its window (the first of tied maxima, as in PyTorch):
 * a scatter-add over the flattened input, so overlapping windows (3x3 stride 2) that share a winner add up.
 */
export function maxPoolGradients(b: OnnxGraphBuilder, args: NodeGradientArgs): NodeGradients {
  if (!args.needInputs[0]) return { inputs: [undefined] };
  const xShape = args.inputShapes[0];
  const size = xShape.reduce((p, d) => p * d, 1);
  const flat = b.int64s([-1]);
  const scattered = b.op(
    'ScatterElements',
    [zeros(b, [size]), b.op('Reshape', [args.saved.indices, flat]), b.op('Reshape', [args.dy, flat])],
    { axis: 0, reduction: 'add' },
  );
  return { inputs: [b.op('Reshape', [scattered, b.int64s([...xShape])])] };
}

/** The mean's gradient, dy / (H·W), spread over every cell. */
export function globalAvgPoolGradients(b: OnnxGraphBuilder, args: NodeGradientArgs): NodeGradients {
  if (!args.needInputs[0]) return { inputs: [undefined] };
  const xShape = args.inputShapes[0];
  const share = b.op('Div', [args.dy, b.floats([xShape[2] * xShape[3]])]);
  return { inputs: [b.op('Expand', [share, b.int64s([...xShape])])] };
}

// Gradients of the pooling ops: max pooling (windowed or global) through the indices its forward pass saved, global
// average pooling, and the mean and max over the channels.
import type { OnnxGraphBuilder } from '../../../io/onnx-builder';
import { ONNX_FLOAT, zeros } from './helpers';
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

/** The mean over the channels: dy / C to every channel. */
export function channelMeanGradients(b: OnnxGraphBuilder, args: NodeGradientArgs): NodeGradients {
  if (!args.needInputs[0]) return { inputs: [undefined] };
  const xShape = args.inputShapes[0];
  return { inputs: [b.op('Expand', [b.op('Div', [args.dy, b.floats([xShape[1]])]), b.int64s([...xShape])])] };
}

/**
 * The max over the channels, torch.max(x, 1)'s: each cell's gradient goes to one channel, the first maximum (ArgMax
 * keeps the first, as PyTorch's CPU kernel does), through a one-hot mask of the winners.
 */
export function channelMaxGradients(b: OnnxGraphBuilder, args: NodeGradientArgs): NodeGradients {
  if (!args.needInputs[0]) return { inputs: [undefined] };
  const channels = args.inputShapes[0][1];
  const winner = b.op('ArgMax', [args.inputs[0]], { axis: 1, keepdims: 1, select_last_index: 0 });
  const channel = b.int64s(Array.from({ length: channels }, (_, c) => c), [1, channels, 1, 1]);
  const mask = b.op('Cast', [b.op('Equal', [winner, channel])], { to: ONNX_FLOAT });
  return { inputs: [b.op('Mul', [args.dy, mask])] };
}

/** The mean's gradient, dy / (H·W), spread over every cell. */
export function globalAvgPoolGradients(b: OnnxGraphBuilder, args: NodeGradientArgs): NodeGradients {
  if (!args.needInputs[0]) return { inputs: [undefined] };
  const xShape = args.inputShapes[0];
  const share = b.op('Div', [args.dy, b.floats([xShape[2] * xShape[3]])]);
  return { inputs: [b.op('Expand', [share, b.int64s([...xShape])])] };
}

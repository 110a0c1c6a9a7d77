// Gradients of the ops that only move values: flatten, channel concatenation and spatial repetition.
import type { OnnxGraphBuilder } from '../../../io/onnx-builder';
import { reduceSum } from './helpers';
import type { NodeGradientArgs, NodeGradients } from './types';

/** [N, C] back to [N, C, 1, 1]. */
export function flattenGradients(b: OnnxGraphBuilder, args: NodeGradientArgs): NodeGradients {
  return { inputs: [args.needInputs[0] ? b.op('Reshape', [args.dy, b.int64s([...args.inputShapes[0]])]) : undefined] };
}

/** v repeated over H and W: the sum of dy over them. `like` gave only its size and gets no gradient, as in PyTorch. */
export function expandSpatialGradients(b: OnnxGraphBuilder, args: NodeGradientArgs): NodeGradients {
  return { inputs: [args.needInputs[0] ? reduceSum(b, args.dy, [2, 3], true) : undefined, undefined] };
}

/** The channel concatenation's gradient, split back into the inputs' channel ranges. */
export function concatGradients(b: OnnxGraphBuilder, args: NodeGradientArgs): NodeGradients {
  const sizes = args.inputShapes.map((s) => s[1]);
  const names = sizes.map((_, k) => b.fresh(`${args.dy}:part${k}`));
  const parts = b.opMulti('Split', [args.dy, b.int64s(sizes)], sizes.length, { axis: 1 }, { names });
  return { inputs: args.needInputs.map((need, k) => (need ? parts[k] : undefined)) };
}

// The fully connected layer's gradients (y = x·Wᵀ + b, W [out, in]).
import type { OnnxGraphBuilder } from '../../../io/onnx-builder';
import type { LinearNode } from '../../../models/ir';
import { reduceSum } from './helpers';
import type { NodeGradientArgs, NodeGradients } from './types';

/** dx = dy·W, dW = dyᵀ·x, db = Σ_n dy. */
export function linearGradients(b: OnnxGraphBuilder, node: LinearNode, args: NodeGradientArgs): NodeGradients {
  const { dy } = args;
  const params: [string, string][] = [];
  if (args.needParam(node.weight)) params.push([node.weight, b.op('Gemm', [dy, args.inputs[0]], { transA: 1 })]);
  if (node.bias && args.needParam(node.bias)) params.push([node.bias, reduceSum(b, dy, [0], false)]);
  return { inputs: [args.needInputs[0] ? b.op('MatMul', [dy, node.weight]) : undefined], params };
}

// BatchNorm's gradient, PyTorch's: in training mode through the batch statistics, in eval (frozen) mode a fixed
// per-channel scale.
import type { OnnxGraphBuilder } from '../../../io/onnx-builder';
import type { BatchNormNode } from '../../../models/ir';
import { asChannelMap, channelAffine, NHW_AXES, reduceSum } from './helpers';
import type { NodeGradientArgs, NodeGradients } from './types';

/**
 * Training mode, with x̂ and 1/σ saved by the forward pass: dβ = Σ dy, dγ = Σ dy·x̂ (over N, H, W) and
 * dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂)), which carries the batch mean's and variance's dependence on x.
 * dx is written k·dy − k·mean(dy) − x̂·k·mean(dy·x̂), k = γ/σ, its per-channel affine part one pass.
 */
export function trainBatchNormGradients(b: OnnxGraphBuilder, node: BatchNormNode, args: NodeGradientArgs): NodeGradients {
  const { dy, saved } = args;
  const [batch, channels, height, width] = args.inputShapes[0];
  const count = b.floats([batch * height * width]);
  const needWeight = args.needParam(node.weight);
  const needBias = args.needParam(node.bias);
  const [needInput] = args.needInputs;
  const dBias = needBias || needInput ? reduceSum(b, dy, NHW_AXES, true) : null;
  const dWeight = needWeight || needInput ? reduceSum(b, b.op('Mul', [dy, saved.xHat]), NHW_AXES, true) : null;
  const vector = (g: string) => b.op('Reshape', [g, b.int64s([channels])]);
  let dx: string | undefined;
  if (needInput) {
    const k = b.op('Mul', [asChannelMap(b, node.weight, channels), saved.invStd]);
    const shift = b.op('Neg', [b.op('Mul', [k, b.op('Div', [dBias!, count])])]);
    const affine = channelAffine(b, dy, vector(k), vector(shift), channels);
    dx = b.op('Sub', [affine, b.op('Mul', [saved.xHat, b.op('Mul', [k, b.op('Div', [dWeight!, count])])])]);
  }
  const params: [string, string][] = [];
  if (needWeight) params.push([node.weight, vector(dWeight!)]);
  if (needBias) params.push([node.bias, vector(dBias!)]);
  return { inputs: [dx], params };
}

/** Eval mode (running statistics): dx = dy·γ/√(running_var + ε). The affine parameters do not train here. */
export function frozenBatchNormGradients(b: OnnxGraphBuilder, node: BatchNormNode, args: NodeGradientArgs): NodeGradients {
  for (const name of [node.weight, node.bias]) {
    if (args.needParam(name)) throw new Error(`${name} cannot train: its BatchNorm is frozen (running statistics)`);
  }
  if (!args.needInputs[0]) return { inputs: [undefined] };
  const scale = b.op('Div', [node.weight, b.op('Sqrt', [b.op('Add', [node.runningVar, b.floats([node.eps])])])]);
  return { inputs: [b.op('Mul', [args.dy, asChannelMap(b, scale, node.channels)])] };
}

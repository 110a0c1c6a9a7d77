// The backward pass over the model IR as ONNX nodes: the nodes in reverse, each node's gradient rule (one file per
// family under gradients/), gradients of values read by several nodes summed. Only what leads back to a trainable
// parameter is differentiated: the image never gets a gradient, and a frozen encoder is not walked through.
import type { OnnxGraphBuilder } from '../../io/onnx-builder';
import { nodeParamNames, type GraphIR, type GraphNode, type ValueName } from '../../models/ir';
import type { EmitBackward, ForwardResult, Gradients, TrainingSetup } from './contract';
import { frozenBatchNormGradients, trainBatchNormGradients } from './gradients/batch-norm';
import { emitConv2dBackward } from './gradients/conv';
import { addGradients, maxGradients, mulGradients, reluGradients, sigmoidGradients, siluGradients } from './gradients/elementwise';
import { concatGradients, expandSpatialGradients, flattenGradients } from './gradients/layout';
import { linearGradients } from './gradients/linear';
import { channelMaxGradients, channelMeanGradients, globalAvgPoolGradients, maxPoolGradients } from './gradients/pool';
import { upsampleGradients } from './gradients/resize';
import type { NodeGradientArgs, NodeGradients } from './gradients/types';

/**
 * Gradients of the seeded outputs (ONNX value → its gradient's ONNX value) with respect to the trainable
 * parameters, each of the parameter's shape. A trainable parameter no seed reaches (unread, or behind an output
 * without a seed) gets no entry, as PyTorch leaves its .grad None.
 */
export const emitBackward: EmitBackward = (b, graph, forward, seeds, setup) => emitGradients(b, graph, forward, seeds, setup).params;

/**
 * emitBackward, and the gradients of the IR values in `wrt` (the image, say), which then count as requiring a
 * gradient themselves.
 */
export function emitGradients(
  b: OnnxGraphBuilder,
  graph: GraphIR,
  forward: ForwardResult,
  seeds: ReadonlyMap<string, string>,
  setup: TrainingSetup,
  wrt: readonly ValueName[] = [],
): { params: Gradients; values: ReadonlyMap<ValueName, string> } {
  const requiresGrad = valuesRequiringGrad(graph, setup.trainable, wrt);
  const irNames = new Map([...forward.values].map(([ir, onnx]) => [onnx, ir]));
  const pending = new Accumulator<ValueName>();
  for (const [value, grad] of seeds) {
    const ir = irNames.get(value);
    if (ir === undefined) throw new Error(`gradient seed for ${value}, which the forward pass did not compute`);
    pending.add(ir, grad);
  }
  const paramGrads = new Accumulator<string>();
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i];
    if (!requiresGrad.has(node.output) || !pending.has(node.output)) continue;
    const grads = nodeGradients(b, node, setup, {
      inputs: node.inputs.map((v) => forward.values.get(v)!),
      output: forward.values.get(node.output)!,
      inputShapes: node.inputs.map((v) => forward.shapes.get(v)!),
      outputShape: forward.shapes.get(node.output)!,
      saved: forward.saved[i],
      dy: pending.emit(b, node.output),
      needInputs: node.inputs.map((v) => requiresGrad.has(v)),
      needParam: (name) => setup.trainable.has(name),
    });
    grads.inputs.forEach((grad, k) => {
      if (grad) pending.add(node.inputs[k], grad);
    });
    for (const [name, grad] of grads.params ?? []) paramGrads.add(name, grad);
  }
  return {
    params: new Map([...setup.trainable].filter((name) => paramGrads.has(name)).map((name) => [name, paramGrads.emit(b, name)])),
    values: new Map(wrt.filter((v) => pending.has(v)).map((v) => [v, pending.emit(b, v)])),
  };
}

/** Values that depend on a trainable parameter (or on a value in `wrt`): produced by a node that reads one, or from such a value. */
export function valuesRequiringGrad(graph: GraphIR, trainable: ReadonlySet<string>, wrt: readonly ValueName[] = []): Set<ValueName> {
  const requires = new Set<ValueName>(wrt);
  for (const node of graph.nodes) {
    if (nodeParamNames(node).some((p) => trainable.has(p)) || node.inputs.some((v) => requires.has(v))) requires.add(node.output);
  }
  return requires;
}

function nodeGradients(b: OnnxGraphBuilder, node: GraphNode, setup: TrainingSetup, args: NodeGradientArgs): NodeGradients {
  switch (node.op) {
    case 'conv2d': {
      const grads = emitConv2dBackward(b, node, {
        x: args.inputs[0],
        dy: args.dy,
        weight: node.weight,
        xShape: args.inputShapes[0],
        yShape: args.outputShape,
        needInput: args.needInputs[0],
        needWeight: args.needParam(node.weight),
        needBias: node.bias !== null && args.needParam(node.bias),
      });
      const params: [string, string][] = [];
      if (grads.dw) params.push([node.weight, grads.dw]);
      if (grads.db) params.push([node.bias!, grads.db]);
      return { inputs: [grads.dx], params };
    }
    case 'batchNorm':
      return setup.frozenBatchNorm.has(node.weight) ? frozenBatchNormGradients(b, node, args) : trainBatchNormGradients(b, node, args);
    case 'maxPool':
      return maxPoolGradients(b, args);
    case 'upsample':
      return upsampleGradients(b, node, args);
    case 'linear':
      return linearGradients(b, node, args);
    case 'relu':
      return reluGradients(b, args);
    case 'sigmoid':
      return sigmoidGradients(b, args);
    case 'silu':
      return siluGradients(b, args);
    case 'add':
      return addGradients(b, args);
    case 'mul':
      return mulGradients(b, args);
    case 'max':
      return maxGradients(b, args);
    case 'concat':
      return concatGradients(b, args);
    case 'globalAvgPool':
      return globalAvgPoolGradients(b, args);
    // A MaxPool over the whole map in the forward pass: the same scatter through its indices.
    case 'globalMaxPool':
      return maxPoolGradients(b, args);
    case 'channelMean':
      return channelMeanGradients(b, args);
    case 'channelMax':
      return channelMaxGradients(b, args);
    case 'expandSpatial':
      return expandSpatialGradients(b, args);
    case 'flatten':
      return flattenGradients(b, args);
  }
}

/** Gradient contributions per key, summed when a value (or parameter) is read more than once. */
class Accumulator<K> {
  private readonly parts = new Map<K, string[]>();

  add(key: K, grad: string): void {
    this.parts.set(key, [...(this.parts.get(key) ?? []), grad]);
  }

  has(key: K): boolean {
    return this.parts.has(key);
  }

  emit(b: OnnxGraphBuilder, key: K): string {
    const parts = this.parts.get(key)!;
    return parts.length === 1 ? parts[0] : b.op('Sum', parts);
  }
}

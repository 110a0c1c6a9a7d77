// Shape inference over the IR (NCHW). It is what the FLOP counter walks, and it catches wiring mistakes (a skip
// at the wrong scale, a channel count off by one) before any weights exist.
import type { GraphIR, GraphNode, MaxPoolNode, ValueName } from './ir';

export type Shape = readonly number[];
export type InputSize = { batch?: number; height: number; width: number };

/** Output length of a window op along one axis, PyTorch's formula (ceil mode included). */
function windowOutputLength(
  length: number,
  kernel: number,
  stride: number,
  padBegin: number,
  padEnd: number,
  dilation = 1,
  ceilMode = false,
): number {
  const span = length + padBegin + padEnd - dilation * (kernel - 1) - 1;
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // PyTorch drops a last window that would start entirely inside the end padding.
  if (ceilMode && (out - 1) * stride >= length + padBegin) out -= 1;
  if (out < 1) throw new Error(`input of ${length} pixels is too small for a ${kernel}x${kernel} window`);
  return out;
}

export function maxPoolOutputSize(node: MaxPoolNode, height: number, width: number): [number, number] {
  const [kh, kw] = node.kernel;
  const [sh, sw] = node.stride;
  const [pt, pl, pb, pr] = node.pad;
  return [
    windowOutputLength(height, kh, sh, pt, pb, 1, node.ceilMode),
    windowOutputLength(width, kw, sw, pl, pr, 1, node.ceilMode),
  ];
}

export function inferShapes(graph: GraphIR, size: InputSize): Map<ValueName, Shape> {
  const n = size.batch ?? 1;
  const shapes = new Map<ValueName, Shape>();
  for (const input of graph.inputs) shapes.set(input.name, [n, input.channels, size.height, size.width]);
  for (const node of graph.nodes) {
    const inputs = node.inputs.map((name) => shapes.get(name)!);
    shapes.set(node.output, nodeOutputShape(node, inputs));
  }
  return shapes;
}

function nodeOutputShape(node: GraphNode, inputs: Shape[]): Shape {
  const [x] = inputs;
  const fail = (why: string): never => {
    throw new Error(`${node.op} → ${node.output}: ${why} (input shapes ${inputs.map((s) => `[${s}]`).join(', ')})`);
  };
  switch (node.op) {
    case 'conv2d': {
      if (x.length !== 4 || x[1] !== node.inChannels) fail(`expects ${node.inChannels} input channels`);
      const [kh, kw] = node.kernel;
      const [sh, sw] = node.stride;
      const [dh, dw] = node.dilation;
      const [pt, pl, pb, pr] = node.pad;
      return [
        x[0],
        node.outChannels,
        windowOutputLength(x[2], kh, sh, pt, pb, dh),
        windowOutputLength(x[3], kw, sw, pl, pr, dw),
      ];
    }
    case 'batchNorm':
      if (x[1] !== node.channels) fail(`expects ${node.channels} channels`);
      return x;
    case 'maxPool':
      return [x[0], x[1], ...maxPoolOutputSize(node, x[2], x[3])];
    case 'upsample':
      return [x[0], x[1], x[2] * node.scale, x[3] * node.scale];
    case 'linear':
      if (x.length !== 2 || x[1] !== node.inFeatures) fail(`expects [N, ${node.inFeatures}]`);
      return [x[0], node.outFeatures];
    case 'relu':
    case 'sigmoid':
    case 'silu':
      return x;
    case 'concat': {
      if (inputs.some((s) => s.length !== 4 || s[0] !== x[0] || s[2] !== x[2] || s[3] !== x[3])) {
        fail('inputs differ in batch or spatial size');
      }
      return [x[0], inputs.reduce((sum, s) => sum + s[1], 0), x[2], x[3]];
    }
    case 'add':
    case 'mul':
    case 'max': {
      const [a, b] = inputs;
      if (a.length !== b.length) fail('ranks differ');
      return a.map((d, i) => {
        if (d !== b[i] && d !== 1 && b[i] !== 1) fail('shapes do not broadcast');
        return Math.max(d, b[i]);
      });
    }
    case 'globalAvgPool':
    case 'globalMaxPool':
      return [x[0], x[1], 1, 1];
    case 'channelMean':
    case 'channelMax':
      return [x[0], 1, x[2], x[3]];
    case 'expandSpatial': {
      const like = inputs[1];
      if (x.length !== 4 || x[2] !== 1 || x[3] !== 1 || like.length !== 4 || like[0] !== x[0]) fail('expects [N, C, 1, 1] and [N, *, H, W]');
      return [x[0], x[1], like[2], like[3]];
    }
    case 'flatten':
      if (x.length !== 4 || x[2] !== 1 || x[3] !== 1) fail('expects [N, C, 1, 1]');
      return [x[0], x[1]];
  }
}

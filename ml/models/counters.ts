// Model size and cost read off the IR, no weights and no forward pass needed.
import type { GraphIR } from './ir';
import { inferShapes, type InputSize } from './shapes';

/** Trainable parameter count as PyTorch's `sum(p.numel() for p in model.parameters())`: shared tensors once. */
export function countParameters(graph: GraphIR): number {
  return graph.params.filter((p) => p.role === 'parameter').reduce((sum, p) => sum + numel(p.shape), 0);
}

export type FlopCount = {
  /** convolutions, 2 FLOP per multiply-add (the convention of the published AlbuNet figure) */
  conv: number;
  /** fully connected layers, 2 FLOP per multiply-add */
  linear: number;
};

export function countFlops(graph: GraphIR, size: InputSize): FlopCount {
  const shapes = inferShapes(graph, size);
  let conv = 0;
  let linear = 0;
  for (const node of graph.nodes) {
    if (node.op === 'conv2d') {
      const [n, c, h, w] = shapes.get(node.output)!;
      const macsPerOutput = (node.inChannels / node.groups) * node.kernel[0] * node.kernel[1];
      conv += 2 * n * c * h * w * macsPerOutput;
    } else if (node.op === 'linear') {
      const [n] = shapes.get(node.output)!;
      linear += 2 * n * node.inFeatures * node.outFeatures;
    }
  }
  return { conv, linear };
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((product, d) => product * d, 1);
}

// How far two training runs' updates (w − w0) lie apart, tensor by tensor and over the whole model: what the engine
// parity tests compare, since the weights themselves barely move in a few steps.
import type { ModelDefinition } from '../../../../ml/models';

export type UpdateDifference = {
  /** the tensor whose update differs most, relative to the reference's update */
  worst: { name: string; error: number };
  /** ‖Δa − Δb‖ / ‖Δb‖ over every compared tensor together */
  overall: number;
  /** tensors the reference moved */
  moved: number;
};

/**
 * Compares a's updates with the reference b's. Tensors in `skip` are left out; a tensor the reference left unchanged
 * must be unchanged in a too (reported as an infinite error otherwise).
 */
export function compareUpdates(
  start: ReadonlyMap<string, Float32Array>,
  a: ReadonlyMap<string, Float32Array>,
  b: ReadonlyMap<string, Float32Array>,
  skip: ReadonlySet<string> = new Set(),
): UpdateDifference {
  let worst = { name: '', error: 0 };
  let [diffAll, updateAll, moved] = [0, 0, 0];
  for (const [name, w0] of start) {
    if (skip.has(name) || !b.has(name)) continue;
    const [wa, wb] = [a.get(name)!, b.get(name)!];
    let [diff, update] = [0, 0];
    for (let i = 0; i < w0.length; i++) {
      diff += (wa[i] - wb[i]) ** 2;
      update += (wb[i] - w0[i]) ** 2;
    }
    diffAll += diff;
    updateAll += update;
    if (update === 0) {
      if (diff !== 0) worst = { name, error: Infinity };
      continue;
    }
    moved++;
    const error = Math.sqrt(diff / update);
    if (error > worst.error) worst = { name, error };
  }
  return { worst, overall: Math.sqrt(diffAll / updateAll), moved };
}

/**
 * A convolution's bias read only by a BatchNorm on batch statistics has a gradient of exactly zero in exact
 * arithmetic (the batch mean removes it): every engine computes rounding noise there, which Adam then scales to
 * full steps, so those tensors are no test of an engine.
 */
export function biasesBeforeBatchNorm(definition: ModelDefinition, encoderBatchNorm: 'train' | 'frozen'): Set<string> {
  const { nodes, params } = definition.graph;
  const biases = new Set<string>();
  for (const node of nodes) {
    if (node.op !== 'conv2d' || !node.bias) continue;
    const readers = nodes.filter((n) => n.inputs.includes(node.output));
    const frozen = params.find((p) => p.name === node.weight)!.part === 'encoder' && encoderBatchNorm === 'frozen';
    if (readers.length === 1 && readers[0].op === 'batchNorm' && !frozen) biases.add(node.bias);
  }
  return biases;
}

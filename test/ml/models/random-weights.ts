// Test weights: the architecture's own seeded initialisation, with every tensor that starts constant (biases,
// BatchNorm affine and running statistics) drawn at random too, so the parity tests exercise each of them.
import { initialWeights, type GraphIR } from '../../../ml/models';
import { Rng } from '../../../ml/random';

export function randomWeights(graph: GraphIR, seed: number): Map<string, Float32Array> {
  const weights = initialWeights(graph, seed);
  const rng = new Rng(seed ^ 0x9e3779b9);
  const uniform = (lo: number, hi: number) => rng.uniform(lo, hi);
  for (const spec of graph.params) {
    if (spec.init.kind !== 'constant') continue;
    const values = weights.get(spec.name)!;
    // BN scales up to 1 keep deep residual stacks from blowing up under running statistics, while leaving the
    // logits spread widely enough (sd 0.1–0.5 at 64x128) that a wrong op shows in the parity test.
    const [lo, hi] = spec.name.endsWith('running_var')
      ? [0.5, 1.5]
      : spec.init.value === 1
        ? [0.5, 1.0]
        : [-0.1, 0.1];
    for (let i = 0; i < values.length; i++) values[i] = uniform(lo, hi);
  }
  return weights;
}

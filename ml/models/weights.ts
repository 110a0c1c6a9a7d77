// Weights as plain data: state_dict name → Float32Array in the PyTorch layout of the IR. This is the form weights
// are stored, imported from PyTorch and handed to both runtimes.
import { Rng } from '../random';
import { numel } from './counters';
import type { GraphIR, ParamInit } from './ir';

export type WeightMap = ReadonlyMap<string, Float32Array>;

/** Fills every tensor from its declared initialiser with a seeded generator: the same seed, the same model. */
export function initialWeights(graph: GraphIR, seed: number): Map<string, Float32Array> {
  const random = new Rng(seed);
  const weights = new Map<string, Float32Array>();
  for (const spec of graph.params) weights.set(spec.name, sample(spec.init, numel(spec.shape), random));
  return weights;
}

/** Throws naming the first missing, unexpected or mis-sized tensor (aliases are accepted and resolved). */
export function resolveWeights(graph: GraphIR, weights: WeightMap): Map<string, Float32Array> {
  const resolved = new Map<string, Float32Array>();
  for (const [name, data] of weights) {
    const canonical = graph.aliases[name] ?? name;
    if (resolved.has(canonical) && canonical !== name) continue;
    resolved.set(canonical, data);
  }
  const known = new Set(graph.params.map((p) => p.name));
  for (const name of resolved.keys()) {
    if (!known.has(name)) throw new Error(`weights carry ${name}, which this architecture does not have`);
  }
  for (const spec of graph.params) {
    const data = resolved.get(spec.name);
    if (!data) throw new Error(`weights lack ${spec.name} [${spec.shape}]`);
    if (data.length !== numel(spec.shape)) {
      throw new Error(`${spec.name}: ${data.length} values, expected [${spec.shape}] = ${numel(spec.shape)}`);
    }
  }
  return resolved;
}

function sample(init: ParamInit, count: number, random: Rng): Float32Array {
  const out = new Float32Array(count);
  switch (init.kind) {
    case 'constant':
      out.fill(init.value);
      break;
    case 'uniform':
      random.fillUniform(out, init.bound);
      break;
    case 'normal':
      random.fillNormal(out, init.std);
      break;
  }
  return out;
}

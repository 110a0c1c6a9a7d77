// TF.js (cpu backend) as the reference for whole-model gradients: the IR's own executor in training mode under
// tf.variableGrads, for the loss Σ out·R of a GradientProblem (same weights, image and R).
import * as tf from '@tensorflow/tfjs';
import type { ModelDefinition } from '../../../../ml/models';
import { TfjsGraphModel, type TrainingSetup as TfjsSetup } from '../../../../ml/runtime/tfjs-graph';
import type { TrainingSetup } from '../../../../ml/train/onnx/contract';
import type { GradientProblem } from './grad-check';

/** NCHW ↔ NHWC for maps; vectors [N, C] stay. */
function toTfLayout(t: tf.Tensor): tf.Tensor {
  return t.rank === 4 ? tf.transpose(t, [0, 2, 3, 1]) : t;
}

/** The setup TF.js derives from its own options, in the ONNX step's terms. */
export function tfjsEquivalentSetup(definition: ModelDefinition, setup: Partial<TfjsSetup>): TrainingSetup {
  const model = TfjsGraphModel.fromWeights(definition, new Map(definition.graph.params.map((p) => [p.name, new Float32Array(p.shape.reduce((a, d) => a * d, 1))])), setup);
  try {
    const trainable = new Set(model.trainableVariables());
    const names = [...model.namedVariables()].filter(([, v]) => trainable.has(v)).map(([name]) => name);
    const frozen = model.trainingSetup.encoderBatchNorm === 'frozen';
    const specs = new Map(definition.graph.params.map((p) => [p.name, p]));
    const frozenBatchNorm = definition.graph.nodes.flatMap((n) => (n.op === 'batchNorm' && frozen && specs.get(n.weight)!.part === 'encoder' ? [n.weight] : []));
    return { trainable: new Set(names), frozenBatchNorm: new Set(frozenBatchNorm) };
  } finally {
    model.dispose();
  }
}

/** Gradients of Σ out·R by state_dict name, in PyTorch layout, for the parameters TF.js trains under `setup`. */
export async function tfjsGradients(definition: ModelDefinition, problem: GradientProblem, setup: Partial<TfjsSetup>): Promise<Map<string, Float32Array>> {
  const { graph } = definition;
  const weights = new Map(graph.params.map((p) => [p.name, problem.feeds[p.name].data as Float32Array]));
  const model = TfjsGraphModel.fromWeights(definition, weights, setup);
  try {
    const fed = problem.feeds.image;
    const image = tf.tidy(() => toTfLayout(tf.tensor(fed.data as Float32Array, fed.dims as number[]))) as tf.Tensor4D;
    const trainable = model.trainableVariables();
    const { grads, value } = tf.variableGrads(() => {
      const outputs = model.forward(image, { training: true });
      const terms = graph.outputs.map((o) => {
        const out = outputs[o.name];
        const r = toTfLayout(tf.tensor(problem.seed(o.name), o.kind === 'map' ? [out.shape[0], out.shape[3]!, out.shape[1]!, out.shape[2]!] : out.shape));
        return tf.sum(tf.mul(out, r));
      });
      return tf.addN(terms) as tf.Scalar;
    }, trainable);
    // The executor converts its variables to PyTorch layout on export: let the gradients ride along.
    const names = [...model.namedVariables()].filter(([, v]) => grads[v.name]);
    for (const [, v] of names) v.assign(grads[v.name]);
    const exported = await model.exportWeights();
    tf.dispose([image, value, ...Object.values(grads)]);
    return new Map(names.map(([name]) => [name, exported.get(name)!]));
  } finally {
    model.dispose();
  }
}

/** ‖a − b‖ / ‖b‖ */
export function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < b.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    norm += b[i] ** 2;
  }
  return Math.sqrt(diff / norm);
}

// One training step as one ONNX graph: forward in training mode → loss and its gradient → backward over the IR →
// clip_grad_norm_ → optimiser update. Compiled for one batch size and input size (static shapes let onnxruntime
// plan every buffer once). Inputs: `image`, `target`, every parameter and buffer the model reads, the optimiser's
// state and its scalars; outputs: `loss`, `grad_norm` (with clipping), `<param>:next` and the optimiser state's
// `:next` values, and `<buffer>:next` for each running statistic the step updates. A step with the mean teacher's
// consistency term (ml/train/onnx/consistency.ts) also reads `soft_target` and `consistency_weight`, and its `image`
// holds the unlabelled images after the labelled ones.
import { OnnxGraphBuilder } from '../../io/onnx-builder';
import { usedParamNames, type ModelDefinition } from '../../models';
import type { LossSpec } from '../losses';
import { emitBackward } from './backward';
import { emitClipGradNorm } from './clip';
import { batchRows, emitConsistency } from './consistency';
import type { CompiledStep, LossResult, OptimizerSpec, TrainingSetup } from './contract';
import { emitTrainingForward } from './forward';
import { emitLoss } from './losses';
import { emitOptimizerUpdate } from './optimizers';

export type StepGraphOptions = {
  batch: number;
  height: number;
  width: number;
  setup: TrainingSetup;
  loss: LossSpec;
  optimizer: OptimizerSpec;
  clipNorm: number | null;
  /** the mean teacher's consistency term on this many unlabelled images after the `batch` labelled ones */
  consistency?: { unlabelled: number };
};

export function compileTrainingStep(definition: ModelDefinition, options: StepGraphOptions): CompiledStep {
  const { graph } = definition;
  const { batch, height, width, setup } = options;
  const used = usedParamNames(graph);
  const wanted = graph.params.filter((p) => p.role === 'parameter' && used.has(p.name) && setup.trainable.has(p.name));
  if (wanted.length === 0) throw new Error('nothing to train: every parameter the model uses is frozen');

  const unlabelled = options.consistency?.unlabelled ?? 0;
  const b = new OnnxGraphBuilder();
  const forward = emitTrainingForward(b, graph, { batch: batch + unlabelled, height, width }, setup);
  const logits = forward.outputs.get('logits');
  if (!logits) throw new Error(`${definition.metadata.arch} has no logits output`);
  const clsLogit = forward.outputs.get('cls_logit');
  const target = b.input('target', [batch, 1, height, width]);
  const labelled = (value: string) => (unlabelled > 0 ? batchRows(b, value, 0, batch) : value);
  const loss = withConsistency(
    b,
    emitLoss(b, options.loss, { logits: labelled(logits), clsLogit: clsLogit && labelled(clsLogit), target, shape: [batch, 1, height, width] }),
    unlabelled > 0 ? { logits, batch, unlabelled, height, width } : null,
  );

  const seeds = new Map([[logits, loss.dLogits]]);
  if (clsLogit && loss.dClsLogit) seeds.set(clsLogit, loss.dClsLogit);
  const gradients = emitBackward(b, graph, forward, seeds, setup);
  // A parameter the loss never reaches (a classification head under a segmentation-only loss) gets no gradient and
  // no update, as PyTorch leaves its .grad None and its optimisers skip it.
  const trainable = wanted.filter((p) => gradients.has(p.name));
  if (trainable.length === 0) throw new Error(`the ${options.loss.kind} loss reaches no trainable parameter`);
  let grads = trainable.map((p) => gradients.get(p.name)!);
  if (options.clipNorm !== null) {
    const clipped = emitClipGradNorm(b, grads, options.clipNorm);
    grads = clipped.grads;
    b.output(clipped.norm, []);
  }
  emitOptimizerUpdate(
    b,
    options.optimizer,
    trainable.map((p, i) => ({ name: p.name, shape: p.shape, grad: grads[i] })),
  );
  b.output(b.op('Identity', [loss.loss], {}, { name: 'loss' }), []);

  const shapeOf = new Map(graph.params.map((p) => [p.name, p.shape]));
  for (const [buffer, value] of forward.runningStats) b.output(b.op('Identity', [value], {}, { name: `${buffer}:next` }), shapeOf.get(buffer)!);

  const trainableNames = new Set(trainable.map((p) => p.name));
  const read = graph.params.filter((p) => used.has(p.name));
  return {
    bytes: b.model(`${definition.metadata.arch}-training-step`, { arch: definition.metadata.arch }),
    batch,
    unlabelled,
    height,
    width,
    trainable: trainable.map((p) => p.name),
    constants: read.filter((p) => !trainableNames.has(p.name) && !forward.runningStats.has(p.name)).map((p) => p.name),
    buffers: [...forward.runningStats.keys()],
    optimizer: options.optimizer,
    clipNorm: options.clipNorm,
  };
}

/**
 * The supervised loss plus the consistency term on the unlabelled rows of the batch; the gradients of the two
 * parts are stacked back into the batch's order (the classification head, which the term does not read, gets 0
 * for the unlabelled rows).
 */
function withConsistency(
  b: OnnxGraphBuilder,
  supervised: LossResult,
  rows: { logits: string; batch: number; unlabelled: number; height: number; width: number } | null,
): LossResult {
  if (!rows) return supervised;
  const { logits, batch, unlabelled, height, width } = rows;
  const term = emitConsistency(b, batchRows(b, logits, batch, batch + unlabelled), [unlabelled, 1, height, width]);
  return {
    loss: b.op('Add', [supervised.loss, term.value]),
    dLogits: b.op('Concat', [supervised.dLogits, term.dLogits], { axis: 0 }),
    ...(supervised.dClsLogit
      ? { dClsLogit: b.op('Concat', [supervised.dClsLogit, b.floats(new Array<number>(unlabelled).fill(0), [unlabelled, 1])], { axis: 0 }) }
      : {}),
  };
}

/** What a stage trains: the whole model, or all but the encoder; the encoder's BatchNorm trains or is frozen. */
export function trainingSetup(definition: ModelDefinition, options: { freezeEncoder: boolean; encoderBatchNorm: 'train' | 'frozen' }): TrainingSetup {
  const { graph } = definition;
  const part = new Map(graph.params.map((p) => [p.name, p.part]));
  const frozenBatchNorm = new Set<string>();
  for (const node of graph.nodes) {
    if (node.op !== 'batchNorm' || part.get(node.weight) !== 'encoder') continue;
    // A frozen encoder whose BN trains still normalises by the batch and updates its running statistics, as a
    // PyTorch module in train() mode with requires_grad off does; the TF.js executor does the same.
    if (options.encoderBatchNorm === 'frozen') frozenBatchNorm.add(node.weight);
  }
  const frozenAffine = new Set(
    graph.nodes.flatMap((n) => (n.op === 'batchNorm' && frozenBatchNorm.has(n.weight) ? [n.weight, n.bias] : [])),
  );
  const trainable = new Set(
    graph.params
      .filter((p) => p.role === 'parameter' && !(options.freezeEncoder && p.part === 'encoder') && !frozenAffine.has(p.name))
      .map((p) => p.name),
  );
  return { trainable, frozenBatchNorm };
}

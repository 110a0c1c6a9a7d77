// The backward pass as a whole: what it differentiates (the requires-grad analysis, frozen parts left alone), what
// it returns, and every trainable gradient of a model with every IR op against TF.js's tape on the cpu backend.
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OnnxGraphBuilder } from '../../../../ml/io/onnx-builder';
import type { GraphIR } from '../../../../ml/models';
import { GraphBuilder } from '../../../../ml/models/builder';
import { registerWasmTrainingKernels } from '../../../../ml/runtime/wasm-training-kernels';
import { emitBackward, valuesRequiringGrad } from '../../../../ml/train/onnx/backward';
import type { TrainingSetup } from '../../../../ml/train/onnx/contract';
import { emitTrainingForward } from '../../../../ml/train/onnx/forward';
import { randomWeights } from '../../models/random-weights';
import { fullSetup, GradientProblem } from './grad-check';
import { everyOpModel, newOpsModel } from './grad-fixtures';
import { relativeError, tfjsEquivalentSetup, tfjsGradients } from './grad-tfjs';
import { errorsAgainstTorch } from './grad-torch';
import { describeWithTorch } from './torch-reference';

beforeAll(async () => {
  await tf.setBackend('cpu');
  // TF.js's own resize gradients are wrong on the cpu backend (no half-pixel centres): use Pleura's.
  registerWasmTrainingKernels();
});

let problem: GradientProblem | null = null;
afterEach(async () => {
  await problem?.release();
  problem = null;
});

const SIZE = { batch: 2, height: 32, width: 32 };

/** The encoder's parameters and buffers, and what its nodes saved for their gradients. */
function encoderState(graph: GraphIR, problemNodesSaved: readonly Readonly<Record<string, string>>[]): Set<string> {
  const encoder = new Set(graph.params.filter((p) => p.part === 'encoder').map((p) => p.name));
  graph.nodes.forEach((node, i) => {
    const reads = node.op === 'conv2d' || node.op === 'batchNorm' ? [node.weight] : [];
    if (reads.some((name) => encoder.has(name))) for (const value of Object.values(problemNodesSaved[i])) encoder.add(value);
  });
  return encoder;
}

const NEW_OPS_SIZE = { batch: 2, height: 16, width: 16 };

describe('valuesRequiringGrad', () => {
  it('marks what a trainable parameter produces and everything computed from it, nothing upstream', () => {
    const b = new GraphBuilder();
    const x = b.input('image', 3);
    const frozen = b.relu(b.conv2d(x, 'frozen', { out: 4, kernel: 1 }));
    const trained = b.conv2d(frozen, 'trained', { out: 4, kernel: 1 });
    const side = b.sigmoid(frozen);
    const merged = b.mul(trained, side);
    b.output('out', merged, 'map');
    const requires = valuesRequiringGrad(b.build(), new Set(['trained.weight']));
    expect([...requires].sort()).toEqual([trained.name, merged.name].sort());
    expect(valuesRequiringGrad(b.build(), new Set(), [x.name]).size).toBe(6);
  });
});

describe('emitBackward', () => {
  it('matches TF.js’s gradients for every trainable parameter of a model with every IR op (relative error < 1e-4)', async () => {
    const definition = everyOpModel();
    const setup = tfjsEquivalentSetup(definition, {});
    problem = await GradientProblem.create(definition.graph, SIZE, { setup });
    const onnx = await problem.gradients();
    const reference = await tfjsGradients(definition, problem, {});
    expect([...onnx.keys()].sort()).toEqual([...reference.keys()].sort());
    expect(onnx.size).toBe(23);
    for (const [name, grad] of reference) expect(relativeError(onnx.get(name)!, grad), name).toBeLessThan(1e-4);
  });

  it('matches TF.js’s gradients for a model with issue 14’s ops: SiLU, depthwise and dilated convs, a reused conv, global max pool, channel pools, expandSpatial', async () => {
    const definition = newOpsModel();
    const setup = tfjsEquivalentSetup(definition, {});
    problem = await GradientProblem.create(definition.graph, NEW_OPS_SIZE, { setup });
    const onnx = await problem.gradients();
    const reference = await tfjsGradients(definition, problem, {});
    expect([...onnx.keys()].sort()).toEqual([...reference.keys()].sort());
    expect(onnx.size).toBe(32);
    for (const [name, grad] of reference) expect(relativeError(onnx.get(name)!, grad), name).toBeLessThan(1e-4);
  });

  it('with the encoder frozen: gradients for the rest only, and no backward node reads the encoder’s weights or saved state', async () => {
    const definition = everyOpModel();
    const { graph } = definition;
    const setup = tfjsEquivalentSetup(definition, { freezeEncoder: true });
    problem = await GradientProblem.create(graph, SIZE, { setup });
    const onnx = await problem.gradients();
    const reference = await tfjsGradients(definition, problem, { freezeEncoder: true });
    const specs = new Map(graph.params.map((p) => [p.name, p]));
    expect([...onnx.keys()].sort()).toEqual([...reference.keys()].sort());
    expect([...onnx.keys()].every((name) => specs.get(name)!.part !== 'encoder')).toBe(true);
    for (const [name, grad] of reference) expect(relativeError(onnx.get(name)!, grad), name).toBeLessThan(1e-4);

    const forward = emitTrainingForward(new OnnxGraphBuilder(), graph, SIZE, setup);
    const encoder = encoderState(graph, forward.saved);
    const readers = problem.backwardNodes.filter((node) => (node.input ?? []).some((name) => encoder.has(name)));
    expect(readers).toEqual([]);
    const fullProblem = await GradientProblem.create(graph, SIZE);
    expect(problem.backwardNodes.length).toBeLessThan(fullProblem.backwardNodes.length);
    await fullProblem.release();
  });

  it('with the encoder’s BatchNorm frozen: through its running statistics, its γ and β untouched (TF.js’s frozen mode)', async () => {
    const definition = everyOpModel();
    const setup = tfjsEquivalentSetup(definition, { encoderBatchNorm: 'frozen' });
    expect(setup.frozenBatchNorm.size).toBe(3);
    problem = await GradientProblem.create(definition.graph, SIZE, { setup });
    const onnx = await problem.gradients();
    const reference = await tfjsGradients(definition, problem, { encoderBatchNorm: 'frozen' });
    expect([...onnx.keys()].sort()).toEqual([...reference.keys()].sort());
    for (const [name, grad] of reference) expect(relativeError(onnx.get(name)!, grad), name).toBeLessThan(1e-4);
  });

  it('returns each trainable parameter’s gradient in its own shape, and none for a parameter no seed reaches', async () => {
    const { graph } = everyOpModel();
    const setup = fullSetup(graph);
    const b = new OnnxGraphBuilder();
    const forward = emitTrainingForward(b, graph, SIZE, setup);
    // Only the segmentation output is seeded: the classification head's parameters get nothing.
    const seeds = new Map([[forward.outputs.get('logits')!, b.input('seed', [2, 1, 32, 32])]]);
    const grads = emitBackward(b, graph, forward, seeds, setup);
    expect([...grads.keys()].sort()).toEqual([...setup.trainable].filter((name) => !name.startsWith('head.cls.')).sort());
    const shapes = new Map(graph.params.map((p) => [p.name, p.shape]));
    for (const [name, grad] of grads) b.output(b.op('Identity', [grad], {}, { name: `grad:${name}` }), [...shapes.get(name)!]);
    const weights = randomWeights(graph, 2);
    const feeds = Object.fromEntries(graph.params.map((p) => [p.name, new ort.Tensor('float32', weights.get(p.name)!, [...p.shape])]));
    const session = await ort.InferenceSession.create(b.model('backward'));
    const results = await session.run({
      ...Object.fromEntries(Object.entries(feeds).filter(([name]) => session.inputNames.includes(name))),
      image: new ort.Tensor('float32', new Float32Array(2 * 3 * 32 * 32).fill(0.5), [2, 3, 32, 32]),
      seed: new ort.Tensor('float32', new Float32Array(2 * 32 * 32).fill(1), [2, 1, 32, 32]),
    });
    await session.release();
    for (const p of graph.params.filter((spec) => grads.has(spec.name))) expect(results[`grad:${p.name}`].dims, p.name).toEqual(p.shape);
  });

  it('refuses to train the γ or β of a frozen BatchNorm, and a seed for a value the forward pass did not compute', () => {
    const b = new GraphBuilder();
    b.output('out', b.batchNorm(b.conv2d(b.input('image', 3), 'conv', { out: 2, kernel: 1 }), 'bn'), 'map');
    const graph = b.build();
    const setup: TrainingSetup = { trainable: new Set(['conv.weight', 'bn.weight']), frozenBatchNorm: new Set(['bn.weight']) };
    const builder = new OnnxGraphBuilder();
    const forward = emitTrainingForward(builder, graph, { batch: 2, height: 2, width: 2 }, setup);
    const seed = builder.input('seed', [2, 2, 2, 2]);
    expect(() => emitBackward(builder, graph, forward, new Map([[forward.outputs.get('out')!, seed]]), setup)).toThrow(/bn\.weight cannot train: its BatchNorm is frozen/);
    expect(() => emitBackward(builder, graph, forward, new Map([['nowhere', seed]]), fullSetup(graph))).toThrow(/did not compute/);
  });
});

describeWithTorch('emitBackward against PyTorch', () => {
  it('every trainable gradient of the issue-14 ops model, the reused conv’s two uses summed (relative error < 1e-4)', async () => {
    const { graph } = newOpsModel();
    const setup = fullSetup(graph);
    problem = await GradientProblem.create(graph, NEW_OPS_SIZE, { setup });
    const grads = await problem.gradients();
    const errors = await errorsAgainstTorch(graph, problem, setup, grads, 'float64');
    expect(errors.size).toBe(setup.trainable.size);
    expect(grads.has('decoder.cbam.fc1.weight')).toBe(true);
    for (const [name, error] of errors) expect(error, name).toBeLessThan(1e-4);
  });
});

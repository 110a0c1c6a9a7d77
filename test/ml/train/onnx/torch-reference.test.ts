// Checks the PyTorch reference (torch_ir.py via runTorchSteps) against the TF.js executor on the cpu backend, so
// that the ONNX step tests compare against a reference known to run the IR as TF.js does: the training-mode forward,
// every loss, the gradients, both optimisers with clipping, frozen BatchNorm and the running statistics.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { createModel, initialWeights, type ModelDefinition, type WeightMap } from '../../../../ml/models';
import { GraphBuilder } from '../../../../ml/models/builder';
import { unetDecoder } from '../../../../ml/models/decoders/unet/decoder';
import { plainEncoder } from '../../../../ml/models/decoders/unet-light/encoder';
import { Rng } from '../../../../ml/random';
import { TfjsGraphModel } from '../../../../ml/runtime/tfjs-graph';
import { registerWasmTrainingKernels } from '../../../../ml/runtime/wasm-training-kernels';
import { createLoss, type LossSpec } from '../../../../ml/train/losses';
import { createAdam } from '../../../../ml/train/optim';
import { describeWithTorch, runTorchStepsMany, type TorchBatch, type TorchRun, type TorchStepsResult } from './torch-reference';


beforeAll(async () => {
  await tf.setBackend('cpu');
  // TF.js 4.22's cpu resize gradients are wrong (nearest mixes up the images of a batch, bilinear lacks half-pixel
  // centres); the trainer registers corrections before training, and so does this comparison.
  registerWasmTrainingKernels();
});

/**
 * unet-light's blocks (plain encoder, smp decoder with nearest upsampling and skip concatenation, BatchNorm
 * everywhere) at a quarter to a sixteenth of its widths: TF.js's cpu Conv2DBackpropFilter, a plain loop, takes tens
 * of seconds for the full model even at 32×32.
 */
function tinyUnetLight(): ModelDefinition {
  const { metadata } = createModel('unet-light');
  const b = new GraphBuilder();
  const image = b.input('image', 3);
  const features = b.inPart('encoder', () => plainEncoder(b, image, [4, 8, 8, 16, 16]));
  const decoded = b.inPart('decoder', () => unetDecoder(b, features, [16, 8, 8, 4, 4]));
  b.output('logits', b.inPart('head', () => b.conv2d(decoded, 'segmentation_head.0', { out: 1, kernel: 3, pad: 1 })), 'map');
  return { graph: b.build(), metadata };
}

/**
 * Every IR op unet-light lacks: grouped conv, ceil-mode pool, SCSE-style attention (sigmoid, mul and max with
 * broadcasting), bilinear upsampling, a classification head (globalAvgPool, flatten, linear), an alias and a tensor
 * no node reads. The stem is the encoder, so its BatchNorm is the one TF.js freezes; block.bn has its own eps and
 * momentum.
 */
function everyOpModel(): ModelDefinition {
  const b = new GraphBuilder();
  const image = b.input('image', 3);
  const stem = b.inPart('encoder', () => b.relu(b.batchNorm(b.conv2d(image, 'stem.conv', { out: 8, kernel: 3, pad: 1, bias: false }), 'stem.bn')));
  b.inPart('decoder', () => {
    b.param('unused', [2], { kind: 'constant', value: 0.5 });
    const pooled = b.maxPool(stem, { kernel: 3, stride: 2, ceilMode: true });
    // No conv bias before a training BatchNorm: its gradient is zero up to rounding, which no tolerance can judge.
    const block = b.relu(b.batchNorm(b.conv2d(pooled, 'block.conv', { out: 8, kernel: 3, pad: 1, groups: 4, bias: false }), 'block.bn', 1e-3, 0.3));
    const squeeze = b.conv2d(b.relu(b.conv2d(b.globalAvgPool(block), 'se.fc1', { out: 4, kernel: 1 })), 'se.fc2', { out: 8, kernel: 1 });
    const channelSe = b.mul(block, b.sigmoid(squeeze));
    const spatialSe = b.mul(block, b.sigmoid(b.conv2d(block, 'se.spatial', { out: 1, kernel: 1, bias: false })));
    const attended = b.max(channelSe, spatialSe);
    const merged = b.concat([b.upsample(attended, 'bilinear'), stem]);
    const decoded = b.relu(b.batchNorm(b.conv2d(merged, 'dec.conv', { out: 4, kernel: 3, pad: 1, bias: false }), 'dec.bn'));
    const skip = b.upsample(b.conv2d(pooled, 'skip.conv', { out: 4, kernel: 1 }), 'nearest');
    b.output('logits', b.conv2d(b.add(decoded, skip), 'head', { out: 1, kernel: 1 }), 'map');
    b.output('cls_logit', b.linear(b.flatten(b.globalAvgPool(attended)), 'cls', 1), 'vector');
  });
  b.aliasPrefix('alias.', 'stem.conv.');
  const metadata = { ...createModel('unet-light').metadata, outputNames: ['logits', 'cls_logit'] };
  return { graph: b.build(), metadata };
}

/** Seeded initial weights, with BatchNorm statistics and affines away from 0 and 1 so frozen BN is no identity. */
function weightsFor(definition: ModelDefinition, seed: number): Map<string, Float32Array> {
  const weights = initialWeights(definition.graph, seed);
  const rng = new Rng(seed);
  for (const node of definition.graph.nodes) {
    if (node.op !== 'batchNorm') continue;
    const fill = (name: string, draw: () => number) => weights.get(name)!.forEach((_, i, data) => (data[i] = draw()));
    fill(node.weight, () => rng.uniform(0.5, 1.5));
    fill(node.bias, () => rng.uniform(-0.2, 0.2));
    fill(node.runningMean, () => rng.uniform(-0.2, 0.2));
    fill(node.runningVar, () => rng.uniform(0.5, 1.5));
  }
  return weights;
}

/** Random image in [0, 1) and a disc-shaped mask in every image but the last, which stays empty (cls target 0). */
function makeBatch(seed: number, n: number, size: number): TorchBatch {
  const rng = new Rng(seed);
  const image = Float32Array.from({ length: n * 3 * size * size }, () => rng.next());
  const target = new Float32Array(n * size * size);
  for (let i = 0; i < n - 1; i++) {
    const [cy, cx, r] = [rng.uniform(0.3, 0.7) * size, rng.uniform(0.3, 0.7) * size, rng.uniform(0.15, 0.3) * size];
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) target[(i * size + y) * size + x] = (y - cy) ** 2 + (x - cx) ** 2 < r * r ? 1 : 0;
  }
  return { image, target, dims: [n, size, size] };
}

type TfjsStep = { loss: number; outputs: Map<string, Float32Array>; grads: Map<string, tf.Tensor> };

/** One training-mode forward and backward in TF.js; the forward updates running statistics, as PyTorch's does. */
function tfjsStep(model: TfjsGraphModel, batch: TorchBatch, spec: LossSpec): TfjsStep {
  const [n, h, w] = batch.dims;
  const loss = createLoss(spec);
  const kept: Record<string, tf.Tensor> = {};
  const trainable = [...model.namedVariables()].filter(([, v]) => v.trainable);
  const { value, grads } = tf.tidy(() => {
    const image = tf.transpose(tf.tensor4d(batch.image, [n, 3, h, w]), [0, 2, 3, 1]) as tf.Tensor4D;
    const target = tf.tensor4d(batch.target, [n, h, w, 1]);
    return tf.variableGrads(() => {
      const out = model.forward(image, { training: true });
      for (const [name, t] of Object.entries(out)) kept[name] = tf.keep(t);
      return loss({ logits: out.logits as tf.Tensor4D, clsLogit: out.cls_logit as tf.Tensor2D | undefined }, target);
    }, trainable.map(([, v]) => v));
  });
  // [N,1,H,W] and [N,H,W,1] hold their elements in the same order, so the outputs need no transpose.
  const outputs = new Map(Object.entries(kept).map(([name, t]) => [name, t.dataSync() as Float32Array]));
  // Variables the loss does not reach (the classification head under a pixel loss) get no gradient, as in torch.
  const reached = trainable.filter(([, v]) => grads[v.name] !== undefined).map(([name, v]) => [name, grads[v.name]] as const);
  const step = { loss: value.dataSync()[0], outputs, grads: new Map(reached) };
  tf.dispose([value, ...Object.values(kept)]);
  return step;
}

/** The torch setup training exactly what the TF.js model trains, freezing the BatchNorm TF.js freezes. */
function torchSetupOf(model: TfjsGraphModel, definition: ModelDefinition) {
  const trainable = new Set([...model.namedVariables()].filter(([, v]) => v.trainable).map(([name]) => name));
  const encoder = new Set(definition.graph.params.filter((p) => p.part === 'encoder').map((p) => p.name));
  const frozenBatchNorm = new Set<string>();
  if (model.trainingSetup.encoderBatchNorm === 'frozen') {
    for (const node of definition.graph.nodes) if (node.op === 'batchNorm' && encoder.has(node.weight)) frozenBatchNorm.add(node.weight);
  }
  return { trainable, frozenBatchNorm };
}

// Layout conversions borrowed from the executor: a scratch model whose variables hold gradients instead of weights.

async function inTorchLayout(definition: ModelDefinition, weights: WeightMap, tensors: Map<string, tf.Tensor>): Promise<Map<string, Float32Array>> {
  const scratch = TfjsGraphModel.fromWeights(definition, weights);
  for (const [name, t] of tensors) scratch.namedVariables().get(name)!.assign(t);
  const exported = await scratch.exportWeights();
  scratch.dispose();
  return new Map([...tensors.keys()].map((name) => [name, exported.get(name)!]));
}

function inTfjsLayout(definition: ModelDefinition, weights: WeightMap, tensors: WeightMap): TfjsGraphModel {
  return TfjsGraphModel.fromWeights(definition, new Map([...weights, ...tensors]));
}

/** Largest |actual − expected| relative to the largest |expected| of the tensor. */
function relativeError(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let scale = 0;
  expected.forEach((e, i) => {
    worst = Math.max(worst, Math.abs(actual[i] - e));
    scale = Math.max(scale, Math.abs(e));
  });
  return scale === 0 ? worst : worst / scale;
}

function expectAllClose(actual: WeightMap, expected: WeightMap, tolerance: number, what: string): void {
  expect([...actual.keys()].sort(), what).toEqual([...expected.keys()].sort());
  const worst = [...expected]
    .map(([name, e]) => ({ name, error: relativeError(actual.get(name)!, e) }))
    .reduce((a, b) => (b.error > a.error ? b : a));
  expect(worst.error, `${what}: worst is ${worst.name}`).toBeLessThan(tolerance);
}

const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
const globalNorm = (grads: Iterable<tf.Tensor>) =>
  Math.sqrt([...grads].reduce((sum, g) => sum + tf.tidy(() => tf.sum(tf.square(g)).dataSync()[0]), 0));

/** Runs in one Python process (importing torch takes seconds), results under the runs' names. */
async function runAll(runs: Record<string, TorchRun>): Promise<Record<string, TorchStepsResult>> {
  const results = await runTorchStepsMany(Object.values(runs));
  return Object.fromEntries(Object.keys(runs).map((name, i) => [name, results[i]]));
}

describeWithTorch('runTorchSteps (PyTorch interpreting the IR) against TF.js', () => {
  const unet = tinyUnetLight();
  const unetWeights = weightsFor(unet, 7);
  const unetBatch = makeBatch(11, 2, 64);
  const adam = { kind: 'adam', lr: 1e-3, betas: [0.9, 0.99], eps: 1e-7, weightDecay: 1e-2 } as const;

  const everyOp = everyOpModel();
  const everyOpWeights = weightsFor(everyOp, 3);
  // The alias instead of its canonical name: the reference must resolve it as resolveWeights does.
  const aliased = new Map([...everyOpWeights].map(([name, data]) => [name.replace(/^stem\.conv\./, 'alias.'), data]));
  const batches = [makeBatch(21, 2, 32), makeBatch(22, 2, 32)];
  const frozenEncoder = { freezeEncoder: true, encoderBatchNorm: 'frozen' } as const;
  let frozenSetup: ReturnType<typeof torchSetupOf>;
  const sgd = { kind: 'sgd', lr: 0.2, momentum: 0.9, dampening: 0.1, weightDecay: 0.05, nesterov: false } as const;
  const clipNorm = 1;
  const frozenLoss = { kind: 'fifth-place' } as const;

  const losses: LossSpec[] = [
    { kind: 'dice' },
    { kind: 'focal' },
    { kind: 'lovasz' },
    { kind: 'combo', bce: 3, dice: 1, focal: 4 },
    { kind: 'fourth-place' },
  ];
  const noStep = { kind: 'sgd', lr: 0, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false } as const;

  // Started before the first test and awaited by each: torch works while TF.js computes.
  let reference: Promise<Record<string, TorchStepsResult>>;
  beforeAll(() => {
    const model = TfjsGraphModel.fromWeights(everyOp, everyOpWeights, frozenEncoder);
    frozenSetup = torchSetupOf(model, everyOp);
    model.dispose();
    const returned = { returnGrads: true, returnOutputs: true };
    const sgdRun: TorchRun = {
      definition: everyOp,
      weights: aliased,
      batches,
      settings: { optimizer: sgd, clipNorm, loss: frozenLoss, setup: frozenSetup, ...returned },
    };
    const oneBatch = (weights: WeightMap, loss: LossSpec): TorchRun => ({
      definition: everyOp,
      weights,
      batches: batches.slice(0, 1),
      settings: { optimizer: noStep, clipNorm, loss, returnGrads: true },
    });
    reference = runAll({
      adam: {
        definition: unet,
        weights: unetWeights,
        batches: [unetBatch],
        settings: { optimizer: adam, clipNorm: null, loss: { kind: 'bce' }, ...returned },
      },
      sgd: sgdRun,
      ...Object.fromEntries(losses.map((loss) => [loss.kind, oneBatch(aliased, loss)])),
      'sgd again': sgdRun,
      poisoned: oneBatch(new Map([...everyOpWeights, ['head.bias', Float32Array.of(Number.NaN)]]), { kind: 'bce' }),
    });
    reference.catch(() => undefined); // the tests await it and report the failure
  });

  it('a tiny unet-light, 64×64, batch 2: training-mode logits, BCE gradients, an Adam step, running statistics', async () => {
    const model = TfjsGraphModel.fromWeights(unet, unetWeights);
    const step = tfjsStep(model, unetBatch, { kind: 'bce' });
    const grads = await inTorchLayout(unet, unetWeights, step.grads);
    const norm = globalNorm(step.grads.values());
    tf.dispose([...step.grads.values()]);
    const torch = (await reference).adam;

    expect(relativeError(torch.outputs!.get('logits')!, step.outputs.get('logits')!)).toBeLessThan(1e-5);
    expect(relative(torch.losses[0], step.loss)).toBeLessThan(1e-6);
    expect(relative(torch.gradNorms[0], norm)).toBeLessThan(1e-5);
    expectAllClose(torch.grads!, grads, 1e-4, 'first-step gradients');

    // Adam is compared on torch's own gradients: its first step is lr·g/(|g| + eps) per element, so elements whose
    // gradient is below float32 noise would move differently for reasons that are no optimiser's fault.
    const torchGrads = inTfjsLayout(unet, unetWeights, torch.grads!);
    const optimiser = createAdam({ lr: adam.lr, betas: adam.betas, eps: adam.eps, weightDecay: adam.weightDecay });
    const trainable = [...model.namedVariables()].filter(([, v]) => v.trainable);
    optimiser.apply(trainable.map(([, v]) => v), trainable.map(([name]) => torchGrads.namedVariables().get(name)!));
    const after = await model.exportWeights();
    optimiser.dispose();
    torchGrads.dispose();
    model.dispose();
    expectAllClose(torch.weights, after, 1e-6, 'weights after one Adam step, running statistics after one forward');
    // The step and the statistics must have moved, or agreeing would prove nothing.
    const moved = (name: string) => relativeError(torch.weights.get(name)!, unetWeights.get(name)!);
    expect(moved('segmentation_head.0.weight')).toBeGreaterThan(1e-3);
    expect(moved('decoder.blocks.4.conv2.1.running_var')).toBeGreaterThan(1e-2);
  });

  it('every other op: two clipped SGD steps with momentum, dampening and decay, 5th-place loss, encoder frozen', async () => {
    expect([...frozenSetup.frozenBatchNorm]).toEqual(['stem.bn.weight']);
    const model = TfjsGraphModel.fromWeights(everyOp, everyOpWeights, frozenEncoder);
    // torch.optim.SGD after clip_grad_norm_, written out: d = g·min(1, c/(‖g‖ + 1e-6)) + λw; the momentum buffer
    // starts as d and then becomes μ·buf + (1 − dampening)·d; w ← w − lr·buf.
    const buffers = new Map<string, tf.Tensor>();
    const steps = batches.map((batch) => {
      const step = tfjsStep(model, batch, frozenLoss);
      const norm = globalNorm(step.grads.values());
      const scale = Math.min(1, clipNorm / (norm + 1e-6));
      for (const [name, g] of step.grads) {
        const w = model.namedVariables().get(name)!;
        const d = tf.tidy(() => tf.add(tf.mul(g, scale), tf.mul(w, sgd.weightDecay)));
        const previous = buffers.get(name);
        const buffer = previous ? tf.tidy(() => tf.add(tf.mul(previous, sgd.momentum), tf.mul(d, 1 - sgd.dampening))) : d;
        if (previous) tf.dispose([previous, d]);
        buffers.set(name, buffer);
        w.assign(tf.tidy(() => tf.sub(w, tf.mul(buffer, sgd.lr))));
      }
      return { ...step, norm };
    });
    const firstGrads = await inTorchLayout(everyOp, everyOpWeights, steps[0].grads);
    const after = await model.exportWeights();
    tf.dispose([...buffers.values(), ...steps.flatMap((s) => [...s.grads.values()])]);
    model.dispose();
    const torch = (await reference).sgd;

    for (const name of ['logits', 'cls_logit']) {
      expect(relativeError(torch.outputs!.get(name)!, steps[0].outputs.get(name)!), name).toBeLessThan(1e-5);
    }
    steps.forEach((step, i) => {
      expect(relative(torch.losses[i], step.loss), `loss ${i}`).toBeLessThan(1e-5);
      expect(relative(torch.gradNorms[i], step.norm), `gradient norm ${i}`).toBeLessThan(1e-4);
      expect(step.norm, 'clipping must be active').toBeGreaterThan(2 * clipNorm);
    });
    expectAllClose(torch.grads!, firstGrads, 1e-4, 'first-step gradients');
    expectAllClose(torch.weights, after, 1e-5, 'weights and running statistics after two steps');
    const moved = (name: string) => relativeError(torch.weights.get(name)!, everyOpWeights.get(name)!);
    for (const name of ['stem.conv.weight', 'stem.bn.weight', 'stem.bn.running_mean', 'stem.bn.running_var', 'unused']) {
      expect(moved(name), `${name} is frozen`).toBe(0);
    }
    for (const name of ['block.conv.weight', 'cls.weight', 'dec.bn.running_var', 'block.bn.running_mean']) {
      expect(moved(name), `${name} trains`).toBeGreaterThan(1e-2);
    }
  });

  it.each(losses)('the $kind loss: value and gradients', async (loss) => {
    const model = TfjsGraphModel.fromWeights(everyOp, everyOpWeights);
    const step = tfjsStep(model, batches[0], loss);
    const grads = await inTorchLayout(everyOp, everyOpWeights, step.grads);
    tf.dispose([...step.grads.values()]);
    model.dispose();
    const torch = (await reference)[loss.kind];
    expect(relative(torch.losses[0], step.loss)).toBeLessThan(1e-5);
    expectAllClose(torch.grads!, grads, 1e-4, `${loss.kind} gradients`);
  });

  it('is deterministic: the same run twice gives the same bits', async () => {
    const { sgd: first, 'sgd again': again } = await reference;
    expect(again.losses).toEqual(first.losses);
    expect(again.gradNorms).toEqual(first.gradNorms);
    expect(again.weights).toEqual(first.weights);
  });

  it('reports a non-finite loss and gradient norm as numbers (JSON has no NaN)', async () => {
    const { poisoned } = await reference;
    expect(poisoned.losses).toEqual([Number.NaN]);
    expect(poisoned.gradNorms).toEqual([Number.NaN]);
  });
});

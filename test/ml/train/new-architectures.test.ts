// The architectures of the 2nd, 3rd, 4th and 5th places train on both engines through the trainer: one step of
// each family at its smallest size (64x64, batch 2: DeepLab's image-pooling BatchNorm needs two images), from the
// same weights on the same batches. Losses are finite, every trainable tensor moves, and the engines see the same
// first loss (one forward pass on the starting weights). Speed is the bench's (`npm run bench -- train`), not a test's.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModel, initialWeights, type ModelDefinition } from '../../../ml/models';
import { GraphBuilder } from '../../../ml/models/builder';
import { createOnnxTrainingEngine } from '../../../ml/train/engines/onnx';
import { createTfjsTrainingEngine } from '../../../ml/train/engines/tfjs';
import type { TrainingEngine } from '../../../ml/train/engines/types';
import { chooseTrainingBackend } from '../../../ml/train/loop/backend';
import { trainingSetup } from '../../../ml/train/onnx/step-graph';
import { manualPlan } from '../../../ml/train/plans';
import { requiresClsLogit, type LossSpec } from '../../../ml/train/losses';
import { trainModel } from '../../../ml/train/trainer';
import { toyItems } from '../../fixtures/toy-training';

const BATCH = 2;
/** One Adam step moves every tensor a gradient reaches; steps after it are the trainer's tests' (and the suite's minutes). */
const STEPS = 1;
/**
 * CBAM's channel MLP in the last decoder block has one hidden unit (16 channels, reduction 16): under many
 * initialisations (5 of seeds 1–8) its ReLU is dead on these images and no gradient reaches it (as in PyTorch
 * with the same weights).
 */
const SEED = 1;
/** Full-width encoders on a shared two-core machine: DeepLab's step on each engine took 52 s (TF.js WASM most of it). */
const TIMEOUT_MS = 240_000;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'pleura-new-archs-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

type Run = { losses: number[]; weights: Map<string, Float32Array> };

/**
 * `STEPS` steps of a constant-rate Adam plan through trainModel from `start`, which the engines copy and leave as it
 * was: one draw serves both engines and the comparison (each draw of a full-width encoder costs seconds).
 */
async function train(
  name: string,
  definition: ModelDefinition,
  start: ReadonlyMap<string, Float32Array>,
  loss: LossSpec,
  size: number,
  createEngine: (w: ReadonlyMap<string, Float32Array>) => Promise<TrainingEngine>,
): Promise<Run> {
  const losses: number[] = [];
  const outcome = await trainModel(
    { train: toyItems(STEPS * BATCH, size, 5), validation: [] },
    {
      definition,
      weights: start,
      plan: manualPlan({ optimizer: { kind: 'adam' }, lr: 1e-3, weightDecay: 0, loss, epochs: 1, batchSize: BATCH, freezeEncoder: false }),
      size,
      seed: 3,
      checkpointsDir: path.join(root, name, 'checkpoints'),
      checkpointEvery: 0,
      resume: false,
      fingerprint: name,
      createEngine,
      maxSteps: STEPS,
      validation: 'none',
    },
    {
      onProgress: (p) => {
        if (p.valDice === undefined) losses.push(p.loss);
      },
    },
  );
  return { losses, weights: outcome.weights };
}

/**
 * The U-Nets' smallest size is 64 (their input multiple is 32). DeepLab's is 8: it trains at 32, where its ASPP sees a
 * 4x4 map, because TF.js WASM is slow on it (two steps on each engine took 113 s at 64 and 83–113 s at 32 here, ONNX 7 s of
 * them). 16 is no faster there, and its 2x2 map leaves the ASPP BatchNorms too few values for the engines to agree.
 */
const cases: { name: string; arch: string; options?: Record<string, string | boolean>; loss: LossSpec; size: number }[] = [
  // 4th place's multi-task loss reaches the classification head (cls_logit) as well as the mask.
  { name: 'multitask-unet on efficientnet_b3 with its classifier', arch: 'multitask-unet', options: { encoder: 'efficientnet_b3', classifier: true }, loss: { kind: 'fourth-place' }, size: 64 },
  { name: 'deeplabv3-resnet50', arch: 'deeplabv3-resnet50', loss: { kind: 'bce' }, size: 32 },
  { name: 'cbam-unet on resnet34', arch: 'cbam-unet', options: { encoder: 'resnet34' }, loss: { kind: 'bce' }, size: 64 },
  // 5th place: its ASPP U-Net's classification head trains through the multi-task loss.
  { name: 'aspp-unet on se_resnext50_32x4d', arch: 'aspp-unet', options: { encoder: 'se_resnext50_32x4d' }, loss: { kind: 'fifth-place' }, size: 64 },
];

describe('the new architectures train on both engines', () => {
  for (const { name, arch, options, loss, size } of cases) {
    it(name, async () => {
      const definition = createModel(arch, options);
      const start = initialWeights(definition.graph, SEED);
      const tag = arch.replace(/\W/g, '-');
      const onnx = await train(`${tag}-onnx`, definition, start, loss, size, (w) => createOnnxTrainingEngine(definition, w, { size, providers: ['cpu'], threads: os.availableParallelism() }));
      const tfjs = await train(`${tag}-tfjs`, definition, start, loss, size, async (w) => createTfjsTrainingEngine(definition, w, await chooseTrainingBackend('wasm')));

      for (const run of [onnx, tfjs]) {
        expect(run.losses).toHaveLength(STEPS);
        for (const value of run.losses) expect(Number.isFinite(value)).toBe(true);
      }
      expect(Math.abs(onnx.losses[0] - tfjs.losses[0]), 'first-step loss, onnx against tfjs').toBeLessThan(1e-4 * (1 + Math.abs(tfjs.losses[0])));

      const { trainable } = trainingSetup(definition, { freezeEncoder: false, encoderBatchNorm: definition.metadata.encoderBatchNorm });
      if (requiresClsLogit(loss)) expect([...trainable].some((n) => n.startsWith('classification_head.'))).toBe(true);
      for (const [engine, run] of [['onnx', onnx], ['tfjs', tfjs]] as const) {
        const still = [...trainable].filter((n) => run.weights.get(n)!.every((v, i) => v === start.get(n)![i]));
        expect(still, `${engine}: trainable tensors that did not move`).toEqual([]);
      }
    }, TIMEOUT_MS);
  }
});

// A classification head that the loss never reads (a multi-task model fine-tuned on a segmentation loss) gets no
// gradient: both engines leave it as it was, as PyTorch's optimisers skip a None .grad, and train the rest.
it('leaves a head no loss reaches untouched on both engines', async () => {
  const b = new GraphBuilder();
  const image = b.input('image', 3);
  const features = b.inPart('encoder', () => b.relu(b.batchNorm(b.conv2d(image, 'encoder.conv', { out: 4, kernel: 3, pad: 1, bias: false }), 'encoder.bn')));
  b.inPart('head', () => {
    b.output('logits', b.conv2d(features, 'segmentation_head', { out: 1, kernel: 1 }), 'map');
    b.output('cls_logit', b.linear(b.flatten(b.globalAvgPool(features)), 'classification_head', 1), 'vector');
  });
  const tiny = createModel('unet-light');
  const definition: ModelDefinition = { graph: b.build(), metadata: { ...tiny.metadata, outputNames: ['logits', 'cls_logit'] } };
  const start = initialWeights(definition.graph, SEED);
  const size = 32;
  const runs = [
    await train('unreached-onnx', definition, start, { kind: 'bce' }, size, (w) => createOnnxTrainingEngine(definition, w, { size, providers: ['cpu'], threads: os.availableParallelism() })),
    await train('unreached-tfjs', definition, start, { kind: 'bce' }, size, async (w) => createTfjsTrainingEngine(definition, w, await chooseTrainingBackend('wasm'))),
  ];
  for (const run of runs) {
    const moved = (name: string) => run.weights.get(name)!.some((v, i) => v !== start.get(name)![i]);
    expect(moved('classification_head.weight') || moved('classification_head.bias')).toBe(false);
    expect(moved('encoder.conv.weight') && moved('segmentation_head.weight')).toBe(true);
  }
}, TIMEOUT_MS);

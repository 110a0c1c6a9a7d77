// The two training engines against each other, a whole step at a time: Pleura's compiled ONNX step (forward,
// loss, backward, clipping, optimiser in one graph) and the TF.js reference (its tape, its optimisers) start from
// the same weights, take the same batches and must end with the same losses and updates. Then the ONNX engine's own
// guarantees: an optimiser state exported and imported continues bit for bit, and the training loop on it resumes
// after a kill with exactly the weights of an uninterrupted run.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initialWeights, type ModelDefinition } from '../../../../ml/models';
import { createOnnxTrainingEngine } from '../../../../ml/train/engines/onnx';
import { createTfjsTrainingEngine } from '../../../../ml/train/engines/tfjs';
import type { TrainingBatch, TrainingEngine } from '../../../../ml/train/engines/types';
import { comboPresets } from '../../../../ml/train/losses';
import { Plan, type Stage } from '../../../../ml/train/plans';
import { trainModel, type TrainerConfig } from '../../../../ml/train/trainer';
import { CPU_BACKEND, toyItems, toyModel, toyPlan } from '../../../fixtures/toy-training';
import { tinyModel } from '../../models/tiny-model';
import { biasesBeforeBatchNorm, compareUpdates } from './compare-updates';

const SIZE = 32;
let root: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(path.join(os.tmpdir(), 'pleura-onnx-engine-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function stage(overrides: Partial<Stage>): Stage {
  return Plan.parse(toyPlan({ batchSize: 2, ...overrides })).stages[0];
}

function batches(count: number, seed: number): TrainingBatch[] {
  const items = toyItems(count * 2, SIZE, seed);
  return Array.from({ length: count }, (_, i) => items.slice(2 * i, 2 * i + 2).map(({ image, mask }) => ({ image, mask })));
}

async function onnxEngine(definition: ModelDefinition, weights: ReadonlyMap<string, Float32Array>): Promise<TrainingEngine> {
  return createOnnxTrainingEngine(definition, weights, { size: SIZE, providers: ['cpu'], threads: 1 });
}

/** Losses and final weights of `steps` steps on one engine. */
async function run(engine: TrainingEngine, settings: Stage, data: TrainingBatch[], lr = settings.lr) {
  const trainer = await engine.startStage(settings, { optimizer: null, ema: null });
  const losses: number[] = [];
  try {
    for (const batch of data) losses.push(await trainer.step(batch, lr));
  } finally {
    await trainer.dispose();
  }
  const weights = await engine.exportWeights();
  await engine.dispose();
  return { losses, weights };
}

describe('the ONNX training step against the TF.js reference', () => {
  const cases: { name: string; definition: () => ModelDefinition; settings: Partial<Stage> }[] = [
    { name: 'Adam, pixel-heavy combo, clipping at 0.1, weight decay', definition: tinyModel, settings: { loss: comboPresets['pixel-heavy'], clipNorm: 0.1, weightDecay: 5e-6, lr: 1e-3 } },
    { name: 'SGD with momentum, BCE', definition: tinyModel, settings: { optimizer: { kind: 'sgd', momentum: 0.9 }, loss: { kind: 'bce' }, lr: 1e-2 } },
    { name: 'Adam, Lovász hinge, frozen encoder', definition: tinyModel, settings: { loss: { kind: 'lovasz' }, freezeEncoder: true, lr: 1e-3 } },
    { name: 'Adam, soft Dice, frozen encoder BatchNorm', definition: toyModel, settings: { loss: { kind: 'dice' }, encoderBatchNorm: 'frozen', lr: 1e-3 } },
  ];
  for (const { name, definition: make, settings } of cases) {
    it(`takes the same three steps: ${name}`, async () => {
      const definition = make();
      const start = initialWeights(definition.graph, 7);
      const data = batches(3, 5);
      const s = stage(settings);
      const onnx = await run(await onnxEngine(definition, start), s, data);
      const reference = await run(createTfjsTrainingEngine(definition, start, CPU_BACKEND), s, data);
      onnx.losses.forEach((loss, i) => expect(Math.abs(loss - reference.losses[i]), `step ${i + 1}`).toBeLessThan(1e-5 * (1 + i * 10)));
      const { worst } = compareUpdates(start, onnx.weights, reference.weights, biasesBeforeBatchNorm(definition, s.encoderBatchNorm ?? definition.metadata.encoderBatchNorm));
      expect(worst.error, `${worst.name} moved differently`).toBeLessThan(2e-3);
      if (s.freezeEncoder) {
        for (const spec of definition.graph.params.filter((p) => p.part === 'encoder' && p.role === 'parameter')) {
          expect(onnx.weights.get(spec.name), spec.name).toEqual(start.get(spec.name));
        }
      }
    }, 60_000);
  }
});

describe('the ONNX engine keeps its state exactly', () => {
  it('continues bit for bit from an exported optimiser state', async () => {
    const definition = tinyModel();
    const start = initialWeights(definition.graph, 3);
    const s = stage({ loss: comboPresets.even, clipNorm: 1, weightDecay: 1e-4, lr: 1e-3 });
    const data = batches(3, 9);
    const whole = await run(await onnxEngine(definition, start), s, data);

    const first = await onnxEngine(definition, start);
    const trainer = await first.startStage(s, { optimizer: null, ema: null });
    for (const batch of data.slice(0, 2)) await trainer.step(batch, s.lr);
    const optimizer = await trainer.exportOptimizer();
    const weights = await first.exportWeights();
    await trainer.dispose();
    await first.dispose();
    const second = await onnxEngine(definition, weights);
    const resumed = await second.startStage(s, { optimizer, ema: null });
    await resumed.step(data[2], s.lr);
    await resumed.dispose();
    const after = await second.exportWeights();
    await second.dispose();
    for (const [name, values] of whole.weights) expect(Buffer.from(after.get(name)!.buffer).equals(Buffer.from(values.buffer)), name).toBe(true);
  }, 60_000);

  it('resumes a killed training run with exactly the weights of an uninterrupted one (EMA and sampler included)', async () => {
    const definition = toyModel();
    const items = toyItems(9, SIZE);
    const data = { train: items.slice(0, 6), validation: items.slice(6) };
    const config = (dir: string): TrainerConfig => ({
      definition,
      weights: initialWeights(definition.graph, 3),
      plan: toyPlan({ ema: { decay: 0.9, startEpoch: 1 } }),
      size: SIZE,
      seed: 11,
      checkpointsDir: path.join(root, dir, 'checkpoints'),
      checkpointEvery: 2,
      resume: false,
      fingerprint: 'toy',
      createEngine: (weights) => onnxEngine(definition, weights),
    });
    const whole = await trainModel(data, config('whole'));
    expect(whole.engine).toMatchObject({ engine: 'onnx', backend: 'cpu' });
    const crash = new Error('killed');
    await expect(
      trainModel(data, config('killed'), {
        onProgress: (p) => {
          if (p.globalStep === 5 && p.valDice === undefined) throw crash;
        },
      }),
    ).rejects.toBe(crash);
    const resumed = await trainModel(data, { ...config('killed'), resume: true });
    expect(resumed.steps).toBe(whole.steps);
    for (const [name, values] of whole.weights) expect(Buffer.from(resumed.weights.get(name)!.buffer).equals(Buffer.from(values.buffer)), name).toBe(true);
  }, 120_000);
});

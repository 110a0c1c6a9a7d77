// The mean teacher (ml/train/semi/mean-teacher.ts) on both engines: its ramp-up by hand, the ONNX consistency
// term's gradient against central finite differences of the graph's own value, and whole mean-teacher steps on the
// ONNX engine against the TF.js reference (its tape differentiates the term independently), including the teacher's
// average, which the later steps' targets come from.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxGraphBuilder } from '../../../../ml/io/onnx-builder';
import { initialWeights, type ModelDefinition } from '../../../../ml/models';
import type { Plane } from '../../../../ml/preprocess';
import { Rng } from '../../../../ml/random';
import { createOnnxTrainingEngine } from '../../../../ml/train/engines/onnx';
import { createTfjsTrainingEngine } from '../../../../ml/train/engines/tfjs';
import type { ConsistencyBatch, TrainingBatch, TrainingEngine } from '../../../../ml/train/engines/types';
import { emitConsistency } from '../../../../ml/train/onnx/consistency';
import { Plan, type Stage } from '../../../../ml/train/plans';
import { trainModel, TrainingCancelledError, type TrainerConfig } from '../../../../ml/train/trainer';
import { consistencyWeight } from '../../../../ml/train/semi/mean-teacher';
import { CPU_BACKEND, toyItems, toyModel, toyPlan } from '../../../fixtures/toy-training';
import { runOnnx } from '../onnx/ort-run';
import { biasesBeforeBatchNorm, compareUpdates } from '../onnx/compare-updates';

const SIZE = 32;
let root: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(path.join(os.tmpdir(), 'pleura-mean-teacher-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('consistencyWeight', () => {
  it('ramps up as weight·exp(−5(1 − t)²) and then holds', () => {
    const option = { weight: 10, rampUpSteps: 100 };
    expect(consistencyWeight(option, 0)).toBeCloseTo(10 * Math.exp(-5), 12); // 0.0673795
    expect(consistencyWeight(option, 50)).toBeCloseTo(10 * Math.exp(-1.25), 12); // 2.8650480
    expect(consistencyWeight(option, 100)).toBe(10);
    expect(consistencyWeight(option, 1000)).toBe(10);
    expect(consistencyWeight({ weight: 3, rampUpSteps: 0 }, 0)).toBe(3);
  });
});

describe('the ONNX consistency term', () => {
  it('has the gradient of its own value (central differences)', async () => {
    const shape = [2, 1, 2, 3];
    const b = new OnnxGraphBuilder();
    const logits = b.input('logits', shape);
    const term = emitConsistency(b, logits, shape);
    b.output(b.op('Identity', [term.value], {}, { name: 'value' }), []);
    b.output(b.op('Identity', [term.dLogits], {}, { name: 'grad' }), shape);
    const bytes = b.model('consistency');
    const x = Float32Array.of(-2, -0.5, 0, 0.3, 1.5, 3, 0.7, -1.2, 2.2, -3, 0.1, 0.9);
    const s = Float32Array.of(0.1, 0.9, 0.5, 0.2, 0.95, 0.99, 0.4, 0.05, 0.6, 0.01, 0.5, 0.8);
    const feeds = (values: Float32Array) => ({ logits: { data: values, dims: shape }, soft_target: { data: s, dims: shape }, consistency_weight: { data: Float32Array.of(3), dims: [] } });
    const at = await runOnnx(bytes, feeds(x));
    // Hand-computed value: 3·mean((σ(x) − s)²).
    const sigma = (v: number) => 1 / (1 + Math.exp(-v));
    const expected = (3 * Array.from(x).reduce((sum, v, i) => sum + (sigma(v) - s[i]) ** 2, 0)) / x.length;
    expect(at.value.data[0]).toBeCloseTo(expected, 6);
    const h = 1e-2;
    for (let i = 0; i < x.length; i++) {
      const plus = Float32Array.from(x);
      const minus = Float32Array.from(x);
      plus[i] += h;
      minus[i] -= h;
      const numeric = ((await runOnnx(bytes, feeds(plus))).value.data[0] - (await runOnnx(bytes, feeds(minus))).value.data[0]) / (2 * h);
      expect(Math.abs(at.grad.data[i] - numeric), `pixel ${i}`).toBeLessThan(2e-4 + 1e-2 * Math.abs(numeric));
    }
  });
});

function meanTeacherStage(overrides: Partial<Stage> = {}): Stage {
  return Plan.parse(toyPlan({ augment: false, lr: 1e-3, meanTeacher: { decay: 0.9, weight: 5, rampUpSteps: 0, batchSize: 2 }, ...overrides })).stages[0];
}

function unlabelledImages(count: number, seed: number): Plane[] {
  const rng = new Rng(seed);
  return toyItems(count, SIZE, rng.int(1000)).map((item) => item.image);
}

async function steps(engine: TrainingEngine, stage: Stage, data: { batch: TrainingBatch; consistency: ConsistencyBatch }[]) {
  const trainer = await engine.startStage(stage, { optimizer: null, ema: null, teacher: null });
  const losses: number[] = [];
  try {
    for (const { batch, consistency } of data) {
      losses.push(await trainer.step(batch, stage.lr, consistency));
      await trainer.teacher!.update();
    }
    // Through the model, so both come back in PyTorch's layouts (an engine's saved average keeps its own).
    const teacher = await trainer.teacher!.applied(() => engine.exportWeights());
    return { losses, teacher, weights: await engine.exportWeights() };
  } finally {
    await trainer.dispose();
    await engine.dispose();
  }
}

describe('a mean-teacher step on both engines', () => {
  const cases: { name: string; definition: () => ModelDefinition; loss: Stage['loss'] }[] = [{ name: 'BCE, BatchNorm in the step', definition: toyModel, loss: { kind: 'bce' } }];
  for (const { name, definition: make, loss } of cases) {
    it(`takes the same three steps with the same teacher: ${name}`, async () => {
      const definition = make();
      const start = initialWeights(definition.graph, 11);
      const items = toyItems(6, SIZE, 4);
      const unlabelled = unlabelledImages(6, 8);
      const data = [0, 1, 2].map((i) => ({
        batch: items.slice(2 * i, 2 * i + 2).map(({ image, mask }) => ({ image, mask })),
        consistency: { images: unlabelled.slice(2 * i, 2 * i + 2), weight: 5 },
      }));
      const stage = meanTeacherStage({ loss });
      const onnx = await steps(await createOnnxTrainingEngine(definition, start, { size: SIZE, providers: ['cpu'], threads: 1 }), stage, data);
      const reference = await steps(createTfjsTrainingEngine(definition, start, CPU_BACKEND), stage, data);
      onnx.losses.forEach((value, i) => expect(Math.abs(value - reference.losses[i]), `step ${i + 1}`).toBeLessThan(1e-5 * (1 + 10 * i)));
      const bn = biasesBeforeBatchNorm(definition, definition.metadata.encoderBatchNorm);
      expect(compareUpdates(start, onnx.weights, reference.weights, bn).worst.error).toBeLessThan(2e-3);
      const averaged = compareUpdates(start, onnx.teacher, reference.teacher, bn);
      expect(averaged.worst.error).toBeLessThan(2e-3);
      // The teacher lags the student: with decay 0.9 it has moved a fraction of the student's way.
      const moved = (weights: ReadonlyMap<string, Float32Array>) => Math.hypot(...[...weights.get('head.weight')!].map((w, i) => w - start.get('head.weight')![i]));
      expect(moved(onnx.teacher)).toBeGreaterThan(0);
      expect(moved(onnx.teacher)).toBeLessThan(0.5 * moved(onnx.weights));
      // The term matters: without the unlabelled images the first step's loss is the supervised one alone.
      const plain = await createOnnxTrainingEngine(definition, start, { size: SIZE, providers: ['cpu'], threads: 1 });
      const trainer = await plain.startStage(stage, { optimizer: null, ema: null });
      const supervised = await trainer.step(data[0].batch, stage.lr);
      await trainer.dispose();
      await plain.dispose();
      expect(onnx.losses[0] - supervised).toBeGreaterThan(1e-4);
    }, 60_000);
  }

  it('leaks no TF.js tensor in a mean-teacher step', async () => {
    const definition = toyModel();
    const engine = createTfjsTrainingEngine(definition, initialWeights(definition.graph, 2), CPU_BACKEND);
    const trainer = await engine.startStage(meanTeacherStage(), { optimizer: null, ema: null, teacher: null });
    const items = toyItems(2, SIZE);
    const consistency = { images: unlabelledImages(2, 5), weight: 1 };
    await trainer.step(items, 1e-3, consistency); // the optimiser's moments appear on the first step
    const before = tf.memory().numTensors;
    await trainer.step(items, 1e-3, consistency);
    await trainer.teacher!.update();
    expect(tf.memory().numTensors).toBe(before);
    await trainer.dispose();
    await engine.dispose();
  });

  it('refuses consistency targets on a stage without a mean teacher', async () => {
    const definition = toyModel();
    const engine = createTfjsTrainingEngine(definition, initialWeights(definition.graph, 1), CPU_BACKEND);
    const trainer = await engine.startStage(Plan.parse(toyPlan()).stages[0], { optimizer: null, ema: null });
    const items = toyItems(2, SIZE);
    await expect(trainer.step(items, 1e-2, { images: [items[0].image], weight: 1 })).rejects.toThrow(/no mean teacher/);
    await trainer.dispose();
    await engine.dispose();
  });
});

describe('a mean-teacher run in the training loop', () => {
  it('refuses a mean teacher without unlabelled images', async () => {
    const definition = toyModel();
    const items = toyItems(6, SIZE);
    const config = runConfig(definition, 'none');
    await expect(trainModel({ train: items.slice(0, 4), validation: items.slice(4) }, config)).rejects.toThrow(/has a mean teacher but the run has no unlabelled images/);
  });

  it('resumes a cancelled run with exactly the weights of an uninterrupted one (teacher and unlabelled draws included)', async () => {
    const definition = toyModel();
    const items = toyItems(9, SIZE);
    const data = { train: items.slice(0, 6), validation: items.slice(6), unlabelled: unlabelledImages(5, 3).map((image, i) => ({ id: `u${i}`, patientId: `u${i}`, image })) };
    const whole = await trainModel(data, runConfig(definition, 'whole'));
    const controller = new AbortController();
    await expect(
      trainModel(data, runConfig(definition, 'cancelled'), { signal: controller.signal, onProgress: (p) => p.globalStep === 3 && controller.abort() }),
    ).rejects.toBeInstanceOf(TrainingCancelledError);
    const resumed = await trainModel(data, { ...runConfig(definition, 'cancelled'), resume: true });
    expect(resumed.steps).toBe(whole.steps);
    for (const [name, values] of whole.weights) expect(Buffer.from(resumed.weights.get(name)!.buffer).equals(Buffer.from(values.buffer)), name).toBe(true);
  }, 120_000);
});

function runConfig(definition: ModelDefinition, dir: string): TrainerConfig {
  return {
    definition,
    weights: initialWeights(definition.graph, 3),
    plan: toyPlan({ meanTeacher: { decay: 0.9, weight: 5, rampUpSteps: 4, batchSize: 2 } }),
    size: SIZE,
    seed: 11,
    checkpointsDir: path.join(root, dir, 'checkpoints'),
    checkpointEvery: 2,
    resume: false,
    fingerprint: 'toy-mean-teacher',
    createEngine: (weights) => createOnnxTrainingEngine(definition, weights, { size: SIZE, providers: ['cpu'], threads: 1 }),
  };
}

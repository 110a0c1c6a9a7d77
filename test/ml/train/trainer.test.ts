// The training loop on the cpu backend (deterministic): it learns, and a run stopped (killed or cancelled) and
// resumed from its checkpoint ends with exactly the weights of an uninterrupted run.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initialWeights } from '../../../ml/models';
import { latestCheckpoint, readCheckpoint } from '../../../ml/train/checkpoint';
import { trainModel, TrainingCancelledError, type TrainerConfig, type TrainerOutcome, type TrainingProgress } from '../../../ml/train/trainer';
import { CPU_BACKEND, toyItems, toyModel, toyPlan } from '../../fixtures/toy-training';
import { createTfjsTrainingEngine } from '../../../ml/train/engines/tfjs';


const SIZE = 32;
const definition = toyModel();
const items = toyItems(9, SIZE);
const data = { train: items.slice(0, 6), validation: items.slice(6) };
let root: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(path.join(os.tmpdir(), 'pleura-trainer-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function config(dir: string, overrides: Partial<TrainerConfig> = {}): TrainerConfig {
  return {
    definition,
    weights: initialWeights(definition.graph, 3),
    plan: toyPlan({ ema: { decay: 0.9, startEpoch: 1 } }),
    size: SIZE,
    seed: 11,
    checkpointsDir: path.join(root, dir, 'checkpoints'),
    checkpointEvery: 2,
    resume: false,
    fingerprint: 'toy',
    createEngine: async (weights) => createTfjsTrainingEngine(definition, weights, CPU_BACKEND),
    ...overrides,
  };
}

let uninterrupted: Promise<TrainerOutcome> | undefined;
/**
 * The run the stopped ones must end as: without checkpoints between epochs, which change nothing the run computes.
 * Made once for the kill and the cancel test.
 */
function uninterruptedRun(): Promise<TrainerOutcome> {
  uninterrupted ??= trainModel(data, config('whole', { checkpointEvery: 0 }));
  return uninterrupted;
}

function sameWeights(a: Map<string, Float32Array>, b: Map<string, Float32Array>): string[] {
  const bytes = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  return [...a].filter(([name, values]) => !bytes(values).equals(bytes(b.get(name)!))).map(([name]) => name);
}

describe('trainModel', () => {
  it('lowers the loss on a trivially learnable set and keeps the top-k epochs', async () => {
    const losses: number[] = [];
    const outcome = await trainModel(data, config('learns', { plan: toyPlan({ lr: 3e-2 }, 4) }), {
      onProgress: (p) => {
        if (p.valDice === undefined) losses.push(p.loss);
      },
    });
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean(losses.slice(-4))).toBeLessThan(0.6 * mean(losses.slice(0, 4)));
    expect(outcome.history).toHaveLength(4);
    expect(outcome.best.valDice).toBe(Math.max(...outcome.history.map((h) => h.valDice!)));
    const tops = (await readdir(path.join(root, 'learns', 'checkpoints'))).filter((n) => n.startsWith('top-'));
    expect(tops).toHaveLength(2);
  });

  it('resumes after a kill with exactly the weights of an uninterrupted run (EMA, optimiser and sampler included)', async () => {
    const whole = await uninterruptedRun();
    // A crash after step 5: the newest checkpoint is the one after step 4 (every 2 steps).
    const crash = new Error('killed');
    await expect(
      trainModel(data, config('killed'), {
        onProgress: (p) => {
          if (p.globalStep === 5) throw crash;
        },
      }),
    ).rejects.toBe(crash);
    expect(path.basename((await latestCheckpoint(path.join(root, 'killed', 'checkpoints')))!)).toBe('step-0000000004');
    const resumed = await trainModel(data, config('killed', { resume: true }));
    expect(sameWeights(whole.weights, resumed.weights)).toEqual([]);
    expect(resumed.history.map((h) => h.valDice)).toEqual(whole.history.map((h) => h.valDice));
  });

  it('cancels by checkpointing and stopping; the checkpoint resumes to the same end', async () => {
    const whole = await uninterruptedRun();
    const controller = new AbortController();
    const progress: TrainingProgress[] = [];
    const cancelled = trainModel(data, config('cancelled', { checkpointEvery: 0 }), {
      signal: controller.signal,
      onProgress: (p) => {
        progress.push(p);
        if (p.globalStep === 3) controller.abort();
      },
    });
    await expect(cancelled).rejects.toBeInstanceOf(TrainingCancelledError);
    const latest = (await latestCheckpoint(path.join(root, 'cancelled', 'checkpoints')))!;
    const saved = await readCheckpoint<{ globalStep: number; order: number[] }>(latest);
    expect(saved.globalStep).toBe(3);
    expect(saved.order.length).toBeGreaterThan(0);
    const resumed = await trainModel(data, config('cancelled', { checkpointEvery: 0, resume: true }));
    expect(sameWeights(whole.weights, resumed.weights)).toEqual([]);
  });

  it('refuses to resume a checkpoint of another run', async () => {
    await expect(trainModel(data, config('killed', { resume: true, fingerprint: 'other' }))).rejects.toThrow(/belongs to another run/);
  });

  it('trains only the decoder and head with the encoder frozen', async () => {
    const start = initialWeights(definition.graph, 3);
    const outcome = await trainModel(data, config('frozen', { plan: toyPlan({ freezeEncoder: true, encoderBatchNorm: 'frozen' }, 1), weights: start }));
    expect(sameWeights(start, outcome.weights).sort()).toEqual(['decoder.bn.bias', 'decoder.bn.running_mean', 'decoder.bn.running_var', 'decoder.bn.weight', 'decoder.conv.bias', 'decoder.conv.weight', 'head.bias', 'head.weight']);
  });
});

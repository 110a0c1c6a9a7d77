// Training throughput (section "train"): images per second of one training step (forward, backward, Adam with
// weight decay and clipping, the pixel-leaning combo loss) at batch 2, for AlbuNet (nf 32) and the light U-Net at
// 256 and 512, on each TF.js training backend that loads here; plus PyTorch on the CPU for the same models and
// batch where python3 has torch (test/bench/train_torch.py). Random weights and images: throughput only.
// Each figure follows one warm-up step. Environment: PLEURA_BENCH_TRAIN_STEPS (timed steps, default 2),
// PLEURA_BENCH_TRAIN_SIZES (default "256,512"), PLEURA_BENCH_TRAIN_BACKENDS (default "tensorflow,wasm"; add cpu to measure the pure-JS backend, which takes minutes a step),
// PLEURA_BENCH_PYTHON (default /usr/bin/python3).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createModel, initialWeights, type ArchName } from '../../ml/models';
import { TfjsGraphModel } from '../../ml/runtime/tfjs-graph';
import { chooseTrainingBackend, type TrainingBackend } from '../../ml/train/loop/backend';
import { comboPresets, createLoss } from '../../ml/train/losses';
import { createAdam } from '../../ml/train/optim';
import { Rng } from '../../ml/random';

const BATCH = 2;
// Smallest first: a run that exhausts the wasm heap (4 GiB; AlbuNet at 512) can leave the module unusable.
const MODELS: { name: string; arch: ArchName; options: object }[] = [
  { name: 'unet-light', arch: 'unet-light', options: {} },
  { name: 'albunet', arch: 'albunet', options: { nf: 32 } },
];
/** The CPU backend takes minutes per light U-Net step at 256; anything bigger would take far longer. */
const CPU_ONLY = { model: 'unet-light', size: 256 };
const TORCH_SCRIPT = path.join(import.meta.dirname, 'train_torch.py');

const env = process.env;
const list = (name: string, fallback: string) => (env[name] ?? fallback).split(',').map((s) => s.trim()).filter(Boolean);

export async function trainBench(): Promise<unknown> {
  const steps = Math.max(1, Number(env.PLEURA_BENCH_TRAIN_STEPS ?? 2) || 2);
  const sizes = list('PLEURA_BENCH_TRAIN_SIZES', '256,512').map(Number);
  const out: Record<string, unknown> = { unit: 'images per second (per image, batch 2, after one warm-up step)', batch: BATCH, steps };
  for (const backend of list('PLEURA_BENCH_TRAIN_BACKENDS', 'tensorflow,wasm') as Exclude<TrainingBackend, 'auto'>[]) {
    out[backend] = await backendFigures(backend, sizes, steps);
  }
  out.pytorch = torchFigures(sizes, steps);
  return out;
}

async function backendFigures(backend: Exclude<TrainingBackend, 'auto'>, sizes: number[], steps: number) {
  try {
    await chooseTrainingBackend(backend);
  } catch (error) {
    return { skipped: `backend not available: ${(error as Error).message}` };
  }
  const figures: Record<string, unknown> = {};
  for (const model of MODELS) {
    for (const size of sizes) {
      const key = `${model.name}@${size}`;
      if (backend === 'cpu' && !(model.name === CPU_ONLY.model && size === CPU_ONLY.size)) {
        figures[key] = { skipped: 'too slow on the CPU backend (minutes per step)' };
        continue;
      }
      process.stderr.write(`bench train: ${backend} ${key}…\n`);
      figures[key] = await throughput(model, size, steps).catch((error: Error) => ({ failed: explain(backend, error) }));
      process.stderr.write(`bench train: ${backend} ${key}: ${JSON.stringify(figures[key])}\n`);
    }
  }
  return figures;
}

async function throughput(model: (typeof MODELS)[number], size: number, steps: number) {
  const definition = createModel(model.arch, model.options as never);
  const net = TfjsGraphModel.fromWeights(definition, initialWeights(definition.graph, 1));
  const loss = createLoss(comboPresets['pixel-leaning']);
  const adam = createAdam({ lr: 1e-4, weightDecay: 1e-4, clipNorm: 1 });
  const rng = new Rng(2);
  const image = tf.tensor4d(Float32Array.from({ length: BATCH * size * size * 3 }, () => rng.next()), [BATCH, size, size, 3]);
  const target = tf.tensor4d(Float32Array.from({ length: BATCH * size * size }, () => (rng.next() < 0.1 ? 1 : 0)), [BATCH, size, size, 1]);
  const step = async () => {
    const vars = net.trainableVariables();
    const { value, grads } = tf.variableGrads(() => loss({ logits: net.forward(image, { training: true }).logits as tf.Tensor4D }, target), vars);
    adam.apply(vars, vars.map((v) => grads[v.name]));
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
  };
  try {
    await step();
    const start = performance.now();
    for (let i = 0; i < steps; i++) await step();
    const seconds = (performance.now() - start) / 1000;
    return { imagesPerSecond: round((BATCH * steps) / seconds), secondsPerStep: round(seconds / steps) };
  } finally {
    tf.dispose([image, target]);
    adam.dispose();
    net.dispose();
  }
}

function torchFigures(sizes: number[], steps: number) {
  const python = env.PLEURA_BENCH_PYTHON ?? '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return { skipped: `python3-torch not installed (${python})` };
  const figures: Record<string, unknown> = {};
  for (const model of MODELS) {
    for (const size of sizes) {
      const key = `${model.name}@${size}`;
      process.stderr.write(`bench train: pytorch ${key}…\n`);
      const run = spawnSync(python, [TORCH_SCRIPT, model.name, String(size), String(BATCH), String(steps)], {
        encoding: 'utf8',
        timeout: 15 * 60_000,
      });
      figures[key] = run.status === 0 ? JSON.parse(run.stdout) : { failed: (run.error?.message ?? run.stderr).trim().slice(-300) };
    }
  }
  return figures;
}

/** wasm aborts with a bare "memory access out of bounds" when a step's tensors outgrow its 4 GiB heap. */
function explain(backend: string, error: Error): string {
  const outOfHeap = backend === 'wasm' && /memory access out of bounds/.test(error.message);
  return outOfHeap ? `${error.message}: the step's tensors exceed the wasm heap (4 GiB at most)` : error.message;
}

const round = (v: number) => Math.round(v * 1000) / 1000;

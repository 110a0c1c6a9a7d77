// Training throughput (section "train"): images per second of one training step (forward, backward, Adam with
// weight decay and clipping, the pixel-leaning combo loss) at batch 2 on onnxruntime (Pleura's compiled step), on
// each TF.js training backend that loads here, and on PyTorch (test/bench/train_torch.py, when /usr/bin/python3 has
// torch), all in the same run: AlbuNet (nf 32) at 256 and 512 and the light U-Net at 256. Random weights and images:
// throughput only. GFLOP/s counts a step as three forward passes (forward, input and weight gradients). Each figure
// follows one warm-up step; onnx runs in a child process per model, so its peak memory is its own.
// Environment: PLEURA_BENCH_TRAIN_STEPS (timed steps, default 3), PLEURA_BENCH_TRAIN_MODELS (default
// "unet-light@256,albunet@256,albunet@512"), PLEURA_BENCH_TRAIN_BACKENDS (default "onnx,tensorflow,wasm"; add cpu to
// measure the pure-JS backend, which takes minutes a step), PLEURA_BENCH_PYTHON (default /usr/bin/python3).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { countFlops, createModel, initialWeights, type ArchName } from '../../ml/models';
import { TfjsGraphModel } from '../../ml/runtime/tfjs-graph';
import { chooseTrainingBackend } from '../../ml/train/loop/backend';
import { comboPresets, createLoss } from '../../ml/train/losses';
import { createAdam } from '../../ml/train/optim';
import { Rng } from '../../ml/random';

const BATCH = 2;
type Config = { arch: ArchName; size: number; key: string };
/** The CPU backend takes minutes per light U-Net step at 256; anything bigger would take far longer. */
const CPU_ONLY = 'unet-light@256';
const here = import.meta.dirname;
const TORCH_SCRIPT = path.join(here, 'train_torch.py');
const ONNX_CHILD = path.join(here, 'train-onnx-step.ts');

const env = process.env;
const list = (name: string, fallback: string) => (env[name] ?? fallback).split(',').map((s) => s.trim()).filter(Boolean);

export async function trainBench(): Promise<unknown> {
  const steps = Math.max(1, Number(env.PLEURA_BENCH_TRAIN_STEPS ?? 3) || 3);
  const configs: Config[] = list('PLEURA_BENCH_TRAIN_MODELS', 'unet-light@256,albunet@256,albunet@512').map((key) => {
    const [arch, size] = key.split('@');
    return { arch: arch as ArchName, size: Number(size), key };
  });
  const out: Record<string, unknown> = {
    unit: 'images per second (batch 2, after one warm-up step); GFLOP/s counting a step as 3 forward passes',
    batch: BATCH,
    steps,
  };
  const backends = list('PLEURA_BENCH_TRAIN_BACKENDS', 'onnx,tensorflow,wasm');
  const figures: Record<string, Record<string, Figure>> = {};
  if (backends.includes('onnx')) figures.onnx = onnxFigures(configs, steps);
  for (const backend of backends.filter((b) => b !== 'onnx') as ('tensorflow' | 'wasm' | 'cpu')[]) {
    figures[`tfjs-${backend}`] = await tfjsFigures(backend, configs, steps);
  }
  figures.pytorch = torchFigures(configs, steps);
  for (const [engine, byConfig] of Object.entries(figures)) out[engine] = withGflops(byConfig, configs);
  out.onnxOverPytorch = Object.fromEntries(
    configs.map(({ key }) => [key, ratio(figures.onnx?.[key], figures.pytorch?.[key])]),
  );
  return out;
}

type Figure = { imagesPerSecond?: number; skipped?: string; failed?: string; [key: string]: unknown };

function onnxFigures(configs: Config[], steps: number): Record<string, Figure> {
  const figures: Record<string, Figure> = {};
  for (const { arch, size, key } of configs) {
    process.stderr.write(`bench train: onnx ${key}…\n`);
    const run = spawnSync(process.execPath, ['--import', 'tsx', ONNX_CHILD, arch, String(size), String(BATCH), String(steps)], {
      encoding: 'utf8',
      timeout: 20 * 60_000,
    });
    figures[key] = run.status === 0 ? JSON.parse(run.stdout) : { failed: (run.error?.message ?? run.stderr).trim().slice(-300) };
    process.stderr.write(`bench train: onnx ${key}: ${JSON.stringify(figures[key])}\n`);
  }
  return figures;
}

async function tfjsFigures(backend: 'tensorflow' | 'wasm' | 'cpu', configs: Config[], steps: number): Promise<Record<string, Figure>> {
  try {
    await chooseTrainingBackend(backend);
  } catch (error) {
    return Object.fromEntries(configs.map(({ key }) => [key, { skipped: `backend not available: ${(error as Error).message}` }]));
  }
  const figures: Record<string, Figure> = {};
  // Smallest first: a run that exhausts the wasm heap (4 GiB; AlbuNet at 512) can leave the module unusable.
  for (const config of [...configs].sort((a, b) => a.size - b.size)) {
    if (backend === 'cpu' && config.key !== CPU_ONLY) {
      figures[config.key] = { skipped: 'too slow on the CPU backend (minutes per step)' };
      continue;
    }
    process.stderr.write(`bench train: tfjs ${backend} ${config.key}…\n`);
    figures[config.key] = await tfjsThroughput(config, steps).catch((error: Error) => ({ failed: explain(backend, error) }));
    process.stderr.write(`bench train: tfjs ${backend} ${config.key}: ${JSON.stringify(figures[config.key])}\n`);
  }
  return figures;
}

async function tfjsThroughput({ arch, size }: Config, steps: number): Promise<Figure> {
  const definition = createModel(arch, (arch === 'albunet' ? { nf: 32 } : {}) as never);
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

function torchFigures(configs: Config[], steps: number): Record<string, Figure> {
  const python = env.PLEURA_BENCH_PYTHON ?? '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return Object.fromEntries(configs.map(({ key }) => [key, { skipped: `python3-torch not installed (${python})` }]));
  const figures: Record<string, Figure> = {};
  for (const { arch, size, key } of configs) {
    process.stderr.write(`bench train: pytorch ${key}…\n`);
    const run = spawnSync(python, [TORCH_SCRIPT, arch, String(size), String(BATCH), String(steps)], { encoding: 'utf8', timeout: 20 * 60_000 });
    figures[key] = run.status === 0 ? JSON.parse(run.stdout) : { failed: (run.error?.message ?? run.stderr).trim().slice(-300) };
    process.stderr.write(`bench train: pytorch ${key}: ${JSON.stringify(figures[key])}\n`);
  }
  return figures;
}

/** Adds GFLOP/s: a training step's arithmetic taken as three forward passes (forward, input and weight gradients). */
function withGflops(figures: Record<string, Figure>, configs: Config[]): Record<string, Figure> {
  return Object.fromEntries(
    Object.entries(figures).map(([key, figure]) => {
      const config = configs.find((c) => c.key === key)!;
      if (figure.imagesPerSecond === undefined) return [key, figure];
      const definition = createModel(config.arch, (config.arch === 'albunet' ? { nf: 32 } : {}) as never);
      const { conv, linear } = countFlops(definition.graph, { height: config.size, width: config.size });
      const forward = conv + linear;
      return [key, { ...figure, gflopPerSecond: round((3 * forward * figure.imagesPerSecond) / 1e9) }];
    }),
  );
}

function ratio(onnx: Figure | undefined, torch: Figure | undefined): number | string {
  if (onnx?.imagesPerSecond === undefined || torch?.imagesPerSecond === undefined) return 'not measured';
  return round(onnx.imagesPerSecond / torch.imagesPerSecond);
}

/** wasm aborts with a bare "memory access out of bounds" when a step's tensors outgrow its 4 GiB heap. */
function explain(backend: string, error: Error): string {
  const outOfHeap = backend === 'wasm' && /memory access out of bounds/.test(error.message);
  return outOfHeap ? `${error.message}: the step's tensors exceed the wasm heap (4 GiB at most)` : error.message;
}

const round = (v: number) => Math.round(v * 1000) / 1000;

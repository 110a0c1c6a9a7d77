import { describe } from 'vitest';
// PyTorch as the reference for training steps: runs torch_ir.py (an interpreter of the model IR) on the given
// weights and batches and reads back what torch.optim left. Needs /usr/bin/python3 with torch; tests call
// torchAvailable() first and skip with a message where it is absent.
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { endianness, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ModelDefinition, WeightMap } from '../../../../ml/models';
import { resolveWeights, usedParamNames } from '../../../../ml/models';
import type { LossSpec } from '../../../../ml/train/losses';
import type { OptimizerSpec, TrainingSetup } from '../../../../ml/train/onnx/contract';

export const TORCH_PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(import.meta.dirname, 'torch_ir.py');

/** One training batch, NCHW as the IR: image [n, C, h, w] (C = the graph input's channels), target [n, 1, h, w]. */
export type TorchBatch = { image: Float32Array; target: Float32Array; dims: readonly [number, number, number] };

export type TorchSettings = {
  /** torch.optim.Adam or torch.optim.SGD with these hyper-parameters */
  optimizer: OptimizerSpec & { lr: number };
  /** clip_grad_norm_'s max_norm before each step, or null for none */
  clipNorm: number | null;
  loss: LossSpec;
  /** optimiser steps; step i trains on batches[i % batches.length]. Default: one per batch. */
  steps?: number;
  /** default: every parameter a node reads trains, and no BatchNorm is frozen */
  setup?: TrainingSetup;
  /** return the first step's gradients (before clipping and weight decay) */
  returnGrads?: boolean;
  /** return the first step's model outputs (training mode, NCHW) */
  returnOutputs?: boolean;
};

export type TorchStepsResult = {
  /** every parameter and buffer after the steps, by canonical state_dict name, PyTorch layout */
  weights: Map<string, Float32Array>;
  losses: number[];
  /** each step's global gradient norm before clipping (clip_grad_norm_'s return value) */
  gradNorms: number[];
  /** trainable parameters that got a gradient in the first step */
  grads?: Map<string, Float32Array>;
  /** output name ('logits', 'cls_logit') → value */
  outputs?: Map<string, Float32Array>;
};

let available: boolean | undefined;

export function torchAvailable(): boolean {
  available ??= spawnSync(TORCH_PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  return available;
}

export const torchSkipReason = `${TORCH_PYTHON} cannot import torch (install Debian's python3-torch to run the PyTorch comparisons)`;

/** A describe that runs only where PyTorch is installed, and otherwise says in its name why it was skipped. */
export const describeWithTorch = (torchAvailable() ? describe : (((name: string) => describe.skip(`${name} (skipped: ${torchSkipReason})`)) as unknown)) as typeof describe;

/** One reference run: the model, its weights (aliases accepted), the batches and the settings. */
export type TorchRun = { definition: ModelDefinition; weights: WeightMap; batches: readonly TorchBatch[]; settings: TorchSettings };

export async function runTorchSteps(
  definition: ModelDefinition,
  weights: WeightMap,
  batches: readonly TorchBatch[],
  settings: TorchSettings,
): Promise<TorchStepsResult> {
  const [result] = await runTorchStepsMany([{ definition, weights, batches, settings }]);
  return result;
}

/** Several runs in one Python process: importing torch costs seconds, a small run a fraction of one. */
export async function runTorchStepsMany(runs: readonly TorchRun[]): Promise<TorchStepsResult[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pleura-torch-ir-'));
  try {
    const requests = runs.map((run, i) => writeRequest(path.join(dir, `run${i}`), run));
    try {
      await promisify(execFile)(TORCH_PYTHON, [SCRIPT, ...requests], { maxBuffer: 1 << 24 });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? '';
      throw new Error(`torch_ir.py failed: ${stderr.trim() || String(error)}`);
    }
    return runs.map((run, i) => readResult(path.join(dir, `run${i}`), run.settings));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes the run's files into `dir` and returns the path of its request. */
function writeRequest(dir: string, { definition, weights, batches, settings }: TorchRun): string {
  if (batches.length === 0) throw new Error('a torch run needs at least one batch');
  const { graph } = definition;
  const resolved = resolveWeights(graph, weights);
  const setup = settings.setup ?? defaultSetup(definition);
  mkdirSync(dir);
  const file = (name: string) => path.join(dir, name);
  writeFileSync(file('graph.json'), JSON.stringify(graph));
  writeBundle(file('weights'), graph.params.map((p) => ({ name: p.name, shape: p.shape, data: resolved.get(p.name)! })));
  writeBundle(file('batches'), batches.flatMap((batch, i) => batchTensors(batch, i, graph.inputs[0].channels)));
  const request = {
    graph: file('graph.json'),
    weights: file('weights'),
    batches: file('batches'),
    output: dir,
    settings: {
      optimizer: settings.optimizer,
      clipNorm: settings.clipNorm,
      loss: settings.loss,
      steps: settings.steps ?? batches.length,
      trainable: [...setup.trainable],
      frozenBatchNorm: [...setup.frozenBatchNorm],
      returnGrads: settings.returnGrads ?? false,
      returnOutputs: settings.returnOutputs ?? false,
    },
  };
  writeFileSync(file('request.json'), JSON.stringify(request));
  return file('request.json');
}

function readResult(dir: string, settings: TorchSettings): TorchStepsResult {
  // JSON has no NaN or infinities: torch_ir.py writes those as the strings Number() reads back.
  const result = JSON.parse(readFileSync(path.join(dir, 'result.json'), 'utf8')) as { losses: (number | string)[]; gradNorms: (number | string)[] };
  return {
    weights: readBundle(path.join(dir, 'weights')),
    losses: result.losses.map(Number),
    gradNorms: result.gradNorms.map(Number),
    grads: settings.returnGrads ? readBundle(path.join(dir, 'grads')) : undefined,
    outputs: settings.returnOutputs ? readBundle(path.join(dir, 'outputs')) : undefined,
  };
}

function defaultSetup({ graph }: ModelDefinition): TrainingSetup {
  const used = usedParamNames(graph);
  const trainable = graph.params.filter((p) => p.role === 'parameter' && used.has(p.name)).map((p) => p.name);
  return { trainable: new Set(trainable), frozenBatchNorm: new Set() };
}

type NamedTensor = { name: string; shape: readonly number[]; data: Float32Array };

function batchTensors({ image, target, dims: [n, h, w] }: TorchBatch, index: number, channels: number): NamedTensor[] {
  const tensors = [
    { name: `image.${index}`, shape: [n, channels, h, w], data: image },
    { name: `target.${index}`, shape: [n, 1, h, w], data: target },
  ];
  for (const t of tensors) {
    const expected = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== expected) throw new Error(`batch ${index}: ${t.name} has ${t.data.length} values, [${t.shape}] needs ${expected}`);
  }
  return tensors;
}

// The bundle torch_ir.py reads and writes: <base>.json indexes raw float32 in <base>.bin (offsets in elements).
// Float32Array bytes are the machine's order, which torch_ir.py reads as little-endian.

export function writeBundle(base: string, tensors: readonly NamedTensor[]): void {
  if (endianness() !== 'LE') throw new Error('the torch bundle format assumes a little-endian machine');
  let offset = 0;
  const index = tensors.map(({ name, shape, data }) => {
    const entry = { name, shape, offset };
    offset += data.length;
    return entry;
  });
  writeFileSync(`${base}.json`, JSON.stringify({ tensors: index }));
  writeFileSync(`${base}.bin`, Buffer.concat(tensors.map(({ data }) => Buffer.from(data.buffer, data.byteOffset, data.byteLength))));
}

function readBundle(base: string): Map<string, Float32Array> {
  const { tensors } = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as { tensors: { name: string; shape: number[]; offset: number }[] };
  const bytes = readFileSync(`${base}.bin`);
  return new Map(
    tensors.map(({ name, shape, offset }) => {
      const start = bytes.byteOffset + offset * 4;
      const count = shape.reduce((a, b) => a * b, 1);
      return [name, new Float32Array(bytes.buffer.slice(start, start + count * 4))];
    }),
  );
}

// Gradient clipping and the optimiser updates of the ONNX training step (ml/train/onnx/clip.ts, optimizers.ts): a
// few steps fed back into the graph, against hand-worked steps, the TF.js Adam (ml/train/optim/adam.ts) and, where
// PyTorch is installed, torch.nn.utils.clip_grad_norm_ with torch.optim.Adam / SGD on the same gradients.
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { OnnxGraphBuilder } from '../../../../ml/io/onnx-builder';
import { createAdam } from '../../../../ml/train/optim';
import { emitClipGradNorm } from '../../../../ml/train/onnx/clip';
import { optimizerStateNames, type OptimizerSpec } from '../../../../ml/train/onnx/contract';
import { emitOptimizerUpdate } from '../../../../ml/train/onnx/optimizers';
import { describeWithTorch, TORCH_PYTHON } from './torch-reference';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Param = { name: string; shape: number[]; values: number[] };
/** After a step: each parameter's values, its optimiser state by name (m, v, momentum), the norm before clipping. */
type Snapshot = { params: number[][]; state: Record<string, number[]>[]; norm: number | null };

const size = (shape: readonly number[]) => shape.reduce((a, n) => a * n, 1);
const tensor = (values: readonly number[], shape: readonly number[]) => new ort.Tensor('float32', Float32Array.from(values), [...shape]);
const values = (t: ort.Tensor) => Array.from(t.data as Float32Array);

/** A graph holding only the clipping and the update: parameters and their gradients are its inputs. */
async function compileUpdate(spec: OptimizerSpec, params: readonly Param[], clipNorm: number | null): Promise<ort.InferenceSession> {
  const b = new OnnxGraphBuilder();
  for (const { name, shape } of params) b.input(name, shape);
  let grads = params.map(({ name, shape }) => b.input(`${name}:grad`, shape));
  if (clipNorm !== null) {
    const clipped = emitClipGradNorm(b, grads, clipNorm);
    b.output(clipped.norm, []);
    grads = clipped.grads;
  }
  emitOptimizerUpdate(b, spec, params.map(({ name, shape }, i) => ({ name, shape, grad: grads[i] })));
  return ort.InferenceSession.create(b.model('update'), { graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
}

/** The scalars the host feeds for the 1-based step t, computed in double precision as torch does. */
function hostScalars(spec: OptimizerSpec, lr: number, t: number): Record<string, number> {
  if (spec.kind === 'sgd') return { lr, sgd_first_step: t === 1 ? 1 : 0 };
  const [beta1, beta2] = spec.betas;
  return { lr, adam_step_size: lr / (1 - beta1 ** t), adam_correction2_sqrt: Math.sqrt(1 - beta2 ** t) };
}

/** Runs one step per entry of `grads` (gradients per parameter), feeding each step's outputs to the next. */
async function runSteps(
  spec: OptimizerSpec,
  params: readonly Param[],
  grads: number[][][],
  lrs: number[],
  clipNorm: number | null,
): Promise<Snapshot[]> {
  const session = await compileUpdate(spec, params, clipNorm);
  const stateNames = optimizerStateNames[spec.kind];
  let current = params.map((p) => p.values);
  let state = params.map((p) => Object.fromEntries(stateNames.map((s) => [s, new Array<number>(size(p.shape)).fill(0)])));
  const snapshots: Snapshot[] = [];
  for (let step = 0; step < grads.length; step++) {
    const feeds: Record<string, ort.Tensor> = {};
    params.forEach(({ name, shape }, i) => {
      feeds[name] = tensor(current[i], shape);
      feeds[`${name}:grad`] = tensor(grads[step][i], shape);
      for (const s of stateNames) feeds[`${name}:${s}`] = tensor(state[i][s], shape);
    });
    for (const [name, value] of Object.entries(hostScalars(spec, lrs[step], step + 1))) feeds[name] = tensor([value], []);
    const out = await session.run(feeds);
    current = params.map(({ name }) => values(out[`${name}:next`]));
    state = params.map(({ name }) => Object.fromEntries(stateNames.map((s) => [s, values(out[`${name}:${s}:next`])])));
    snapshots.push({ params: current, state, norm: clipNorm === null ? null : values(out.grad_norm)[0] });
  }
  await session.release();
  return snapshots;
}

/** Every entry within `tolerance` of the expected one, relative to the tensor's largest expected magnitude. */
function expectRelative(actual: readonly number[], expected: readonly number[], tolerance: number, what: string): void {
  expect(actual, what).toHaveLength(expected.length);
  const scale = Math.max(...expected.map(Math.abs));
  const worst = Math.max(0, ...actual.map((value, i) => Math.abs(value - expected[i])));
  expect(worst / scale, `${what}: largest difference ${worst} against a largest entry ${scale}`).toBeLessThan(tolerance);
}

function expectSameSteps(got: Snapshot[], expected: Snapshot[], tolerance: number): void {
  expect(got).toHaveLength(expected.length);
  got.forEach((step, t) => {
    step.params.forEach((p, i) => expectRelative(p, expected[t].params[i], tolerance, `step ${t + 1}, parameter ${i}`));
    step.state.forEach((s, i) => {
      for (const [name, want] of Object.entries(expected[t].state[i])) {
        expectRelative(s[name], want, tolerance, `step ${t + 1}, parameter ${i}, ${name}`);
      }
    });
    const norm = expected[t].norm;
    if (norm !== null) expect(Math.abs(step.norm! - norm) / norm, `step ${t + 1}, norm`).toBeLessThan(tolerance);
  });
}

// Two parameters (a 4-D weight and a bias), four steps whose gradients shrink, so that clipping at 0.5 scales the
// first steps and leaves the last ones alone, and a learning rate that changes between steps as a scheduler's.
const PARAMS: Param[] = [
  { name: 'dec.conv.weight', shape: [3, 2, 2, 2], values: Array.from({ length: 24 }, (_, i) => Math.fround(Math.sin(i * 1.7) * 0.6)) },
  { name: 'dec.conv.bias', shape: [3], values: [0.1, -0.25, 0.4] },
];
const GRADS: number[][][] = [2, 0.9, 0.08, 0.03].map((magnitude, step) =>
  PARAMS.map((p, j) => Array.from({ length: p.values.length }, (_, i) => Math.fround(Math.cos(i * 2.3 + step * 0.9 + j) * magnitude))),
);
const LRS = [1e-2, 1e-2, 5e-3, 2e-3];
const ADAM: OptimizerSpec = { kind: 'adam', betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.05 };
const SGD: OptimizerSpec = { kind: 'sgd', momentum: 0.9, dampening: 0.1, weightDecay: 0.01, nesterov: false };

describe('emitClipGradNorm', () => {
  async function clip(grads: number[][], maxNorm: number): Promise<{ grads: number[][]; norm: number }> {
    const b = new OnnxGraphBuilder();
    const inputs = grads.map((g, i) => b.input(`g${i}`, [g.length]));
    const clipped = emitClipGradNorm(b, inputs, maxNorm);
    clipped.grads.forEach((g, i) => b.output(g, [grads[i].length]));
    b.output(clipped.norm, []);
    const session = await ort.InferenceSession.create(b.model('clip'));
    const out = await session.run(Object.fromEntries(grads.map((g, i) => [`g${i}`, tensor(g, [g.length])])));
    await session.release();
    expect(clipped.norm).toBe('grad_norm');
    return { grads: clipped.grads.map((g) => values(out[g])), norm: values(out[clipped.norm])[0] };
  }

  it('scales every gradient by max_norm / (norm + 1e-6) when the global norm is above max_norm', async () => {
    // ‖(3, 4)‖ = 5 and ‖(0, 0, 12)‖ = 12 give a global norm of 13
    const got = await clip([[3, 4], [0, 0, 12]], 1);
    const scale = 1 / (13 + 1e-6);
    expect(got.norm).toBe(13);
    expectRelative(got.grads[0], [3 * scale, 4 * scale], 1e-7, 'first');
    expectRelative(got.grads[1], [0, 0, 12 * scale], 1e-7, 'second');
  });

  it('leaves gradients exactly as they are below max_norm, reporting the norm', async () => {
    const got = await clip([[0.03, 0.04], [0.12]], 0.5);
    expect(got.grads).toEqual([[0.03, 0.04].map(Math.fround), [Math.fround(0.12)]]);
    expect(got.norm).toBeCloseTo(0.13, 7);
  });

  it('refuses a max norm that is not positive', () => {
    const b = new OnnxGraphBuilder();
    expect(() => emitClipGradNorm(b, [b.input('g', [2])], 0)).toThrow(/positive max norm/);
  });
});

describe('emitOptimizerUpdate', () => {
  it('declares the contract inputs and outputs: parameters read, state as <param>:<state>, results as :next', async () => {
    for (const spec of [ADAM, SGD]) {
      const session = await compileUpdate(spec, PARAMS, 0.5);
      const states = optimizerStateNames[spec.kind];
      const scalars = spec.kind === 'adam' ? ['lr', 'adam_step_size', 'adam_correction2_sqrt'] : ['lr', 'sgd_first_step'];
      expect([...session.inputNames].sort()).toEqual(
        [...PARAMS.flatMap(({ name }) => [name, `${name}:grad`, ...states.map((s) => `${name}:${s}`)]), ...scalars].sort(),
      );
      const outputs = PARAMS.flatMap(({ name }) => [`${name}:next`, ...states.map((s) => `${name}:${s}:next`)]);
      expect([...session.outputNames].sort()).toEqual(['grad_norm', ...outputs].sort());
      await session.release();
    }
  });

  it('takes Adam steps as torch does by hand: bias correction, eps after the square root, L2 decay in the gradient', async () => {
    const theta: Param[] = [{ name: 'theta', shape: [1], values: [1] }];
    // Step 1, g = 0.5 + 0.5·1 = 1: m = 0.1, v = 0.001, m̂ = v̂ = 1: θ = 1 − 0.1·1/(1 + 1e-8).
    // Step 2, g = 0.25 + 0.5·0.9 = 0.7: m = 0.1 + 0.1·(0.7 − 0.1) = 0.16, v = 0.999e-3 + 0.001·0.49 = 1.489e-3;
    // θ = 0.9 − (0.1/0.19)·0.16/(√1.489e-3/√(1 − 0.998001) + 1e-8).
    const spec: OptimizerSpec = { kind: 'adam', betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.5 };
    const [first, second] = await runSteps(spec, theta, [[[0.5]], [[0.25]]], [0.1, 0.1], null);
    expect(first.params[0][0]).toBeCloseTo(0.9, 7);
    expect(first.state[0].m[0]).toBeCloseTo(0.1, 7);
    expect(first.state[0].v[0]).toBeCloseTo(0.001, 9);
    expect(second.params[0][0]).toBeCloseTo(0.9 - (0.1 / 0.19) * (0.16 / (Math.sqrt(1.489e-3) / Math.sqrt(1 - 0.998001) + 1e-8)), 6);
  });

  it('takes SGD steps as torch does by hand: the first buffer is the gradient, then μ·buf + (1 − dampening)·g', async () => {
    const theta: Param[] = [{ name: 'theta', shape: [1], values: [1] }];
    const spec: OptimizerSpec = { kind: 'sgd', momentum: 0.9, dampening: 0.5, weightDecay: 0.1, nesterov: false };
    // Step 1: d = 0.5 + 0.1·1 = 0.6, buf = 0.6 (no dampening on the first step), θ = 1 − 0.1·0.6 = 0.94.
    // Step 2: d = 0.25 + 0.094 = 0.344, buf = 0.54 + 0.5·0.344 = 0.712, θ = 0.94 − 0.0712 = 0.8688.
    const [first, second] = await runSteps(spec, theta, [[[0.5]], [[0.25]]], [0.1, 0.1], null);
    expect(first.state[0].momentum[0]).toBeCloseTo(0.6, 7);
    expect(first.params[0][0]).toBeCloseTo(0.94, 7);
    expect(second.state[0].momentum[0]).toBeCloseTo(0.712, 6);
    expect(second.params[0][0]).toBeCloseTo(0.8688, 6);
  });

  it('matches the TF.js Adam (ml/train/optim/adam.ts) over four clipped steps with weight decay', async () => {
    const got = await runSteps(ADAM, PARAMS, GRADS, LRS, 0.5);
    const variables = PARAMS.map((p) => tf.variable(tf.tensor(p.values, p.shape)));
    const adam = createAdam({ lr: LRS[0], weightDecay: 0.05, clipNorm: 0.5 });
    const names = new Map(PARAMS.map((p, i) => [p.name, variables[i]]));
    const expected: Snapshot[] = [];
    for (let step = 0; step < GRADS.length; step++) {
      adam.learningRate = LRS[step];
      const grads = PARAMS.map((p, i) => tf.tensor(GRADS[step][i], p.shape));
      adam.apply(variables, grads);
      tf.dispose(grads);
      const state = await adam.exportState(names);
      if (state.kind !== 'adam') throw new Error(`the TF.js Adam exported ${state.kind} state`);
      const { entries } = state;
      expected.push({
        params: variables.map((v) => Array.from(v.dataSync())),
        state: PARAMS.map((p) => ({ m: Array.from(entries[p.name].m), v: Array.from(entries[p.name].v) })),
        norm: null,
      });
    }
    adam.dispose();
    tf.dispose(variables);
    expectSameSteps(got, expected, 1e-6);
    // the clip was active on the first steps and the parameters moved, so the comparison could fail
    expect(got[0].norm).toBeGreaterThan(0.5);
    expect(got[3].norm).toBeLessThan(0.5);
    expect(Math.abs(got[3].params[1][0] - PARAMS[1].values[0])).toBeGreaterThan(1e-3);
  });
});

const python = TORCH_PYTHON;

/** Per run: clip_grad_norm_ then torch.optim.Adam / SGD (single-tensor), with the learning rate set before every step. */
const TORCH_STEPS = String.raw`
import json, sys, torch

def run(cfg):
    params = [torch.nn.Parameter(torch.tensor(p['values'], dtype=torch.float32).reshape(p['shape'])) for p in cfg['params']]
    h = cfg['optimizer']
    if h['kind'] == 'adam':
        opt = torch.optim.Adam(params, lr=cfg['lrs'][0], betas=tuple(h['betas']), eps=h['eps'], weight_decay=h['weightDecay'], foreach=False)
    else:
        opt = torch.optim.SGD(params, lr=cfg['lrs'][0], momentum=h['momentum'], dampening=h['dampening'],
                              weight_decay=h['weightDecay'], nesterov=False, foreach=False)
    names = {'exp_avg': 'm', 'exp_avg_sq': 'v', 'momentum_buffer': 'momentum'}
    steps = []
    for lr, grads in zip(cfg['lrs'], cfg['grads']):
        for p, g in zip(params, grads):
            p.grad = torch.tensor(g, dtype=torch.float32).reshape(p.shape)
        norm = None if cfg['clip'] is None else torch.nn.utils.clip_grad_norm_(params, cfg['clip']).item()
        for group in opt.param_groups:
            group['lr'] = lr
        opt.step()
        state = [{names[k]: v.reshape(-1).tolist() for k, v in opt.state[p].items() if k in names and v is not None} for p in params]
        steps.append({'params': [p.detach().reshape(-1).tolist() for p in params], 'state': state, 'norm': norm})
    return steps

print(json.dumps([run(cfg) for cfg in json.load(sys.stdin)]))
`;

type Run = { optimizer: OptimizerSpec; clip: number | null };

function torchSteps(runs: readonly Run[]): Snapshot[][] {
  const input = JSON.stringify(runs.map((run) => ({ ...run, params: PARAMS, grads: GRADS, lrs: LRS })));
  const result = spawnSync(python, ['-c', TORCH_STEPS], { input, encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`PyTorch failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Snapshot[][];
}

describeWithTorch('clipping and the optimisers against PyTorch, four steps', () => {
  const cases: [string, Run][] = [
    ['Adam, clipped at 0.5, weight decay 0.05', { optimizer: ADAM, clip: 0.5 }],
    ['Adam without clipping or weight decay', { optimizer: { kind: 'adam', betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0 }, clip: null }],
    ['SGD, momentum 0.9, dampening 0.1, weight decay 0.01, clipped at 0.5', { optimizer: SGD, clip: 0.5 }],
    ['SGD, momentum 0.5 without dampening', { optimizer: { kind: 'sgd', momentum: 0.5, dampening: 0, weightDecay: 0, nesterov: false }, clip: null }],
    // torch keeps no buffer without momentum, so only the parameters are compared; the graph's passes the gradient
    [
      'SGD without momentum (dampening ignored, as torch does)',
      { optimizer: { kind: 'sgd', momentum: 0, dampening: 0.3, weightDecay: 0.01, nesterov: false }, clip: null },
    ],
  ];
  let torch: Snapshot[][];
  beforeAll(() => {
    torch = torchSteps(cases.map(([, run]) => run));
  });

  const runs = cases.map(([title, run], index) => [title, run, index] as const);
  it.each(runs)('%s: parameters, state and norm to relative 1e-6', async (_, run, index) => {
    const got = await runSteps(run.optimizer, PARAMS, GRADS, LRS, run.clip);
    expectSameSteps(got, torch[index], 1e-6);
    if (run.clip !== null) expect(torch[index].map((step) => step.norm! > run.clip!)).toEqual([true, true, false, false]);
  });
});

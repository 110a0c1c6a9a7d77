// The ONNX training losses (ml/train/onnx/losses.ts): each value and its closed-form gradient against the TF.js
// reference (createLoss with tf.grad), against central differences of the ONNX loss itself and, where PyTorch is
// installed, against PyTorch's formulas with autograd. With one channel, NCHW [N,1,H,W] and NHWC [N,H,W,1] hold
// the same numbers in the same order, so the TF.js batches feed the ONNX graph as they are.
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxGraphBuilder } from '../../../../ml/io/onnx-builder';
import { createLoss, requiresClsLogit, type LossSpec } from '../../../../ml/train/losses';
import { emitLoss } from '../../../../ml/train/onnx/losses';
import { batchCls, batchLogits, batchTarget, everyLoss, expectClose, valueAndGradients } from '../losses/support';
import { describeWithTorch, TORCH_PYTHON } from './torch-reference';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const BATCH: Shape4 = [2, 1, 4, 4];
type Shape4 = [number, number, number, number];
type Evaluated = { loss: number; dLogits: number[]; dCls: number[] };

/** The loss of `spec` on a batch of `shape`, compiled once; evaluate runs it on logits (and cls logits). */
class CompiledLoss {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly shape: Shape4,
    private readonly target: number[],
    private readonly names: { loss: string; dLogits: string; dCls?: string },
  ) {}

  static async create(spec: LossSpec, shape: Shape4, target: number[]): Promise<CompiledLoss> {
    const b = new OnnxGraphBuilder();
    const withCls = requiresClsLogit(spec);
    const inputs = {
      logits: b.input('logits', shape),
      target: b.input('target', shape),
      clsLogit: withCls ? b.input('cls_logit', [shape[0], 1]) : undefined,
      shape,
    };
    const result = emitLoss(b, spec, inputs);
    b.output(result.loss, []);
    b.output(result.dLogits, shape);
    if (result.dClsLogit) b.output(result.dClsLogit, [shape[0], 1]);
    const session = await ort.InferenceSession.create(b.model('loss'), { graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
    return new CompiledLoss(session, shape, target, { loss: result.loss, dLogits: result.dLogits, dCls: result.dClsLogit });
  }

  async evaluate(logits: number[], cls: number[] = []): Promise<Evaluated> {
    const feeds: Record<string, ort.Tensor> = {
      logits: new ort.Tensor('float32', Float32Array.from(logits), this.shape),
      target: new ort.Tensor('float32', Float32Array.from(this.target), this.shape),
    };
    if (this.names.dCls) feeds.cls_logit = new ort.Tensor('float32', Float32Array.from(cls), [this.shape[0], 1]);
    const out = await this.session.run(feeds);
    expect(out[this.names.loss].dims).toEqual([]);
    expect(out[this.names.dLogits].dims).toEqual(this.shape);
    if (this.names.dCls) expect(out[this.names.dCls].dims).toEqual([this.shape[0], 1]);
    const values = (name?: string) => (name ? Array.from(out[name].data as Float32Array) : []);
    return { loss: values(this.names.loss)[0], dLogits: values(this.names.dLogits), dCls: values(this.names.dCls) };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** Central differences of the compiled loss in each logit, then in each cls logit. */
async function finiteDifferences(loss: CompiledLoss, logits: number[], cls: number[], h: number): Promise<{ dLogits: number[]; dCls: number[] }> {
  const along = async (values: number[], at: (shifted: number[]) => Promise<number>) => {
    const result: number[] = [];
    for (let i = 0; i < values.length; i++) {
      const shifted = (delta: number) => values.map((v, j) => (j === i ? v + delta : v));
      result.push(((await at(shifted(h))) - (await at(shifted(-h)))) / (2 * h));
    }
    return result;
  };
  return {
    dLogits: await along(logits, async (x) => (await loss.evaluate(x, cls)).loss),
    dCls: cls.length === 0 ? [] : await along(cls, async (c) => (await loss.evaluate(logits, c)).loss),
  };
}

const name = (spec: LossSpec) => JSON.stringify(spec);

/** Every entry within `tolerance` of the expected one, relative to the largest expected magnitude. */
function expectGradient(actual: number[], expected: number[], tolerance: number): void {
  expect(actual).toHaveLength(expected.length);
  const scale = Math.max(...expected.map(Math.abs));
  const worst = Math.max(0, ...actual.map((value, i) => Math.abs(value - expected[i])));
  expect(worst / scale, `largest difference ${worst} against a largest entry ${scale}`).toBeLessThan(tolerance);
}
const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));

describe('emitLoss against the TF.js losses and finite differences (2x1x4x4 batch)', () => {
  const compiled = new Map<string, CompiledLoss>();
  beforeAll(async () => {
    for (const spec of everyLoss) compiled.set(name(spec), await CompiledLoss.create(spec, BATCH, batchTarget));
  });
  afterAll(async () => {
    for (const loss of compiled.values()) await loss.release();
  });

  it.each(everyLoss.map((spec) => [name(spec), spec] as const))('%s: value and gradients equal TF.js createLoss with tf.grad', async (_, spec) => {
    const cls = requiresClsLogit(spec) ? batchCls : [];
    const got = await compiled.get(name(spec))!.evaluate(batchLogits, cls);
    const expected = valueAndGradients(spec);
    expect(relative(got.loss, expected.value), `${got.loss} vs ${expected.value}`).toBeLessThan(2e-6);
    expectGradient(got.dLogits, expected.logits, 2e-6);
    if (requiresClsLogit(spec)) expectGradient(got.dCls, expected.cls, 2e-6);
    // the gradients are not all zero, so the comparison could fail
    expect(Math.max(...got.dLogits.map(Math.abs))).toBeGreaterThan(1e-3);
  });

  it.each(everyLoss.map((spec) => [name(spec), spec] as const))('%s: gradients equal central differences of the ONNX value', async (_, spec) => {
    const loss = compiled.get(name(spec))!;
    const cls = requiresClsLogit(spec) ? batchCls : [];
    const got = await loss.evaluate(batchLogits, cls);
    // Lovász is piecewise linear: a step well below the gap between any two errors stays on one piece.
    const numeric = await finiteDifferences(loss, batchLogits, cls, spec.kind === 'lovasz' ? 1e-3 : 3e-2);
    expectGradient(got.dLogits, numeric.dLogits, 2e-3);
    // 1024·BCE makes the fifth-place value ~800: its float32 rounding over 2h is ~1e-3 of the small cls gradient
    if (requiresClsLogit(spec)) expectGradient(got.dCls, numeric.dCls, spec.kind === 'fifth-place' ? 1e-2 : 2e-3);
  });

  it('the Lovász batch has no ties and no error at a kink, so the differences above are meaningful', () => {
    const errors = batchLogits.map((x, i) => 1 - x * (2 * batchTarget[i] - 1));
    for (const image of [errors.slice(0, 16), errors.slice(16)]) {
      const sorted = [...image].sort((a, b) => a - b);
      expect(Math.min(...image.map(Math.abs), ...sorted.slice(1).map((e, i) => e - sorted[i]))).toBeGreaterThan(4e-3);
    }
  });
});

describe('emitLoss in cases worked by hand and at the extremes', () => {
  it('gives the Lovász gradient −(2t − 1)·g per pixel with a positive error (hand-worked, lovasz.test.ts)', async () => {
    const shape: Shape4 = [2, 1, 2, 2];
    const loss = await CompiledLoss.create({ kind: 'lovasz' }, shape, [1, 0, 1, 0, 0, 0, 0, 0]);
    const got = await loss.evaluate([2, -0.8, 0.5, -3, 1, 1.5, -2, 0.3]);
    await loss.release();
    expect(got.loss).toBeCloseTo((0.25 + 0.2 / 6 + 2.5) / 2, 6);
    expectClose(got.dLogits, [0, 1 / 12, -1 / 4, 0, 0, 1 / 2, 0, 0], 1e-7);
  });

  it('gives the BCE gradient (σ(x) − t)/count', async () => {
    const shape: Shape4 = [1, 1, 2, 2];
    const loss = await CompiledLoss.create({ kind: 'bce' }, shape, [1, 1, 0, 0]);
    const got = await loss.evaluate([0, Math.log(3), -Math.log(3), 2]);
    await loss.release();
    // p = 1/2, 3/4, 1/4, σ(2) against t = 1, 1, 0, 0
    expectClose(got.dLogits, [-1 / 8, -1 / 16, 1 / 16, 1 / (1 + Math.exp(-2)) / 4], 1e-7);
  });

  it.each([{ kind: 'bce' }, { kind: 'focal' }] as const)('%o stays finite and equals TF.js at logits of ±17 to ±100', async (spec) => {
    // Confidently wrong in image 1, confidently right in image 2. σ(−x) < 1e-8 beyond x ≈ 18.4, so focal's clamp
    // decides its value and its gradient there; σ(−100) underflows.
    const extremes = [-100, -30, -18.5, -17, 17, 18.5, 30, 100];
    const logits = [...extremes, ...extremes];
    const target = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1];
    const loss = await CompiledLoss.create(spec, [2, 1, 2, 4], target);
    const got = await loss.evaluate(logits);
    await loss.release();
    const f = (x: tf.Tensor) => tfLoss(spec, x, tf.tensor(target, [2, 2, 4, 1]));
    const expected = tf.tidy(() => {
      const x = tf.tensor(logits, [2, 2, 4, 1]);
      return { value: f(x).arraySync() as number, grad: Array.from(tf.grad(f)(x).dataSync()) };
    });
    expect([got.loss, ...got.dLogits].every(Number.isFinite)).toBe(true);
    expect(relative(got.loss, expected.value), `${got.loss} vs ${expected.value}`).toBeLessThan(1e-6);
    expectGradient(got.dLogits, expected.grad, 1e-6);
  });

  it('floors the combo loss at 1e-5 with a zero gradient below the floor, and passes the gradient above it', async () => {
    const shape: Shape4 = [1, 1, 2, 2];
    const target = [1, 0, 1, 0];
    const spec: LossSpec = { kind: 'combo', bce: 1, dice: 0, focal: 1 };
    const loss = await CompiledLoss.create(spec, shape, target);
    // |x| = 12: BCE ≈ 6.1e-6, focal far smaller, so the sum lies below the floor; σ(12) − 1 is not 0 in float32
    const fitted = await loss.evaluate([12, -12, 12, -12]);
    expect(fitted.loss).toBe(Math.fround(1e-5));
    expect(fitted.dLogits.map(Math.abs)).toEqual([0, 0, 0, 0]);
    // |x| = 8: BCE ≈ 3.4e-4 alone is above the floor; the gradient is then BCE's plus focal's
    const above = await loss.evaluate([8, -8, 8, -8]);
    const bceOnly = await CompiledLoss.create({ kind: 'bce' }, shape, target);
    const focalOnly = await CompiledLoss.create({ kind: 'focal' }, shape, target);
    const [bce, focal] = [await bceOnly.evaluate([8, -8, 8, -8]), await focalOnly.evaluate([8, -8, 8, -8])];
    await Promise.all([loss, bceOnly, focalOnly].map((l) => l.release()));
    expect(relative(above.loss, bce.loss + focal.loss)).toBeLessThan(1e-6);
    expect(above.dLogits[0]).toBeLessThan(0);
    expectClose(above.dLogits.map((g) => g * 1e4), bce.dLogits.map((g, i) => (g + focal.dLogits[i]) * 1e4), 1e-6);
  });

  it('refuses a multi-task loss without cls_logit, naming the loss', () => {
    const b = new OnnxGraphBuilder();
    const inputs = { logits: b.input('logits', BATCH), target: b.input('target', BATCH), shape: BATCH };
    expect(() => emitLoss(b, { kind: 'fourth-place' }, inputs)).toThrow(/fourth-place loss needs the model's cls_logit/);
  });

  it('refuses logits with more than one channel', () => {
    const b = new OnnxGraphBuilder();
    const shape = [2, 3, 4, 4];
    expect(() => emitLoss(b, { kind: 'bce' }, { logits: b.input('logits', shape), target: b.input('target', shape), shape })).toThrow(/\[N,1,H,W\]/);
  });
});

const python = TORCH_PYTHON;

/** PyTorch's BCEWithLogitsLoss, the 1st place's soft Dice and focal loss, Berman's lovasz_hinge: value and autograd. */
const TORCH_LOSSES = String.raw`
import json, sys, torch
import torch.nn.functional as F

def bce(x, t):
    return F.binary_cross_entropy_with_logits(x, t)

def dice(x, t):
    p = torch.sigmoid(x)
    return 1 - (2 * (p * t).sum() + 1e-6) / (p.sum() + t.sum() + 1e-6)

def focal(x, t):
    p = torch.sigmoid(x).clamp(1e-8, 1 - 1e-8)
    pt = (1 - t) * (1 - p) + t * p
    return (-(1 - pt) ** 2 * torch.log(pt)).mean()

def lovasz_grad(gt_sorted):
    p = len(gt_sorted)
    gts = gt_sorted.sum()
    intersection = gts - gt_sorted.float().cumsum(0)
    union = gts + (1 - gt_sorted).float().cumsum(0)
    jaccard = 1. - intersection / union
    if p > 1:
        jaccard[1:p] = jaccard[1:p] - jaccard[0:-1]
    return jaccard

def lovasz_hinge_flat(logits, labels):
    signs = 2. * labels.float() - 1.
    errors = 1. - logits * signs
    errors_sorted, perm = torch.sort(errors, dim=0, descending=True)
    perm = perm.data
    grad = lovasz_grad(labels[perm])
    return torch.dot(F.relu(errors_sorted), grad)

def lovasz(x, t):
    return torch.stack([lovasz_hinge_flat(l.reshape(-1), m.reshape(-1)) for l, m in zip(x, t)]).mean()

results = []
for case in json.load(sys.stdin):
    t = torch.tensor(case['target'], dtype=torch.float32).reshape(case['shape'])
    out = {}
    for name, loss in [('bce', bce), ('dice', dice), ('focal', focal), ('lovasz', lovasz)]:
        x = torch.tensor(case['logits'], dtype=torch.float32).reshape(case['shape']).requires_grad_()
        value = loss(x, t)
        value.backward()
        out[name] = {'value': value.item(), 'grad': x.grad.reshape(-1).tolist()}
    results.append(out)
print(json.dumps(results))
`;

type TorchCase = { shape: Shape4; logits: number[]; target: number[] };

function torchLosses(cases: readonly TorchCase[]): Record<string, { value: number; grad: number[] }>[] {
  const result = spawnSync(python, ['-c', TORCH_LOSSES], { input: JSON.stringify(cases), encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`PyTorch failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

describeWithTorch('emitLoss against PyTorch', () => {
  // the shared 2x1x4x4 batch, and a 2x1x8x16 one with a blob in image 1 and a sparse image 2
  const wide: TorchCase = {
    shape: [2, 1, 8, 16],
    logits: Array.from({ length: 256 }, (_, i) => Math.fround(Math.sin(i * 0.731 + 0.2) * 2.5 + Math.cos(i * 1.93) * 0.8)),
    target: Array.from({ length: 256 }, (_, i) => (i < 128 ? Number(Math.hypot((i % 16) - 6, Math.floor(i / 16) - 4) < 3) : Number(i % 37 === 5))),
  };
  const cases: TorchCase[] = [{ shape: BATCH, logits: batchLogits, target: batchTarget }, wide];
  const kinds = ['bce', 'dice', 'focal', 'lovasz'] as const;
  let torch: ReturnType<typeof torchLosses>;
  beforeAll(() => {
    torch = torchLosses(cases);
  });

  it('the wide batch has distinct errors in each image, so torch.sort and TopK agree on the order', () => {
    const errors = wide.logits.map((x, i) => Math.fround(1 - x * (2 * wide.target[i] - 1)));
    for (const image of [errors.slice(0, 128), errors.slice(128)]) expect(new Set(image).size).toBe(128);
  });

  it.each(cases.flatMap((c, index) => kinds.map((kind) => [kind, c.shape.join('x'), index] as const)))(
    '%s on %s: value and gradient',
    async (kind, _, index) => {
      const { shape, logits, target } = cases[index];
      const loss = await CompiledLoss.create({ kind }, shape, target);
      const got = await loss.evaluate(logits);
      await loss.release();
      const expected = torch[index][kind];
      expect(relative(got.loss, expected.value), `${got.loss} vs ${expected.value}`).toBeLessThan(2e-6);
      expectGradient(got.dLogits, expected.grad, 2e-6);
    },
  );
});

/** The TF.js loss of a spec on plain logits (NHWC). */
function tfLoss(spec: LossSpec, logits: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return createLoss(spec)({ logits: logits as tf.Tensor4D }, target as tf.Tensor4D);
}

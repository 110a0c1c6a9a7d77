// The conv2d gradient graph against central finite differences of a float64 reference convolution, and against
// PyTorch's autograd (skipped with a message where /usr/bin/python3 cannot import torch).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { OnnxGraphBuilder } from '../../../../ml/io/onnx-builder';
import type { Conv2dNode, Pads, Pair } from '../../../../ml/models/ir';
import { emitConv2dBackward } from '../../../../ml/train/onnx/gradients/conv';
import { im2colWeightGradient, rowBands } from '../../../../ml/train/onnx/gradients/conv-weight';
import { runOnnx } from './ort-run';
import { describeWithTorch, TORCH_PYTHON } from './torch-reference';

type Case = {
  name: string;
  xShape: [number, number, number, number];
  out: number;
  kernel: Pair;
  stride: Pair;
  pad: Pads;
  dilation: Pair;
  groups: number;
  bias: boolean;
};

const conv = (c: Partial<Case> & Pick<Case, 'name' | 'xShape' | 'out' | 'kernel'>): Case => ({
  stride: [1, 1],
  pad: [0, 0, 0, 0],
  dilation: [1, 1],
  groups: 1,
  bias: true,
  ...c,
});

const cases: Case[] = [
  conv({ name: '3x3 stride 1 pad 1, bias', xShape: [2, 4, 9, 8], out: 6, kernel: [3, 3], pad: [1, 1, 1, 1] }),
  conv({ name: '3x3 stride 2 pad 1, no bias, even size (stride drops the last row)', xShape: [2, 4, 10, 8], out: 6, kernel: [3, 3], stride: [2, 2], pad: [1, 1, 1, 1], bias: false }),
  conv({ name: '3x3 stride 2 pad 1, odd size', xShape: [1, 3, 9, 11], out: 5, kernel: [3, 3], stride: [2, 2], pad: [1, 1, 1, 1] }),
  conv({ name: '1x1 stride 2 no pad, odd size (drops a row)', xShape: [2, 6, 9, 10], out: 8, kernel: [1, 1], stride: [2, 2], bias: false }),
  conv({ name: '1x1 stride 1 (dw without im2col)', xShape: [2, 6, 5, 7], out: 4, kernel: [1, 1] }),
  conv({ name: '1x1 pad 1 (pad wider than the kernel: ConvTranspose)', xShape: [1, 3, 5, 6], out: 4, kernel: [1, 1], pad: [1, 1, 1, 1] }),
  conv({ name: '7x7 stride 2 pad 3', xShape: [1, 3, 12, 11], out: 4, kernel: [7, 7], stride: [2, 2], pad: [3, 3, 3, 3] }),
  conv({ name: '3x3 dilation 2 pad 2', xShape: [2, 4, 10, 9], out: 5, kernel: [3, 3], pad: [2, 2, 2, 2], dilation: [2, 2] }),
  conv({ name: '3x3 groups 4', xShape: [2, 8, 8, 9], out: 12, kernel: [3, 3], pad: [1, 1, 1, 1], groups: 4 }),
  conv({ name: '3x3 groups 4 stride 2, no bias', xShape: [1, 8, 9, 8], out: 8, kernel: [3, 3], stride: [2, 2], pad: [1, 1, 1, 1], groups: 4, bias: false }),
  conv({ name: 'more than 128 outputs per group (dw as dy·patchesᵀ)', xShape: [1, 1, 4, 5], out: 132, kernel: [3, 3], pad: [1, 1, 1, 1] }),
  conv({ name: 'asymmetric pads, 2x3 kernel', xShape: [1, 3, 7, 8], out: 4, kernel: [2, 3], pad: [1, 0, 0, 2] }),
  // EfficientNet's depthwise convolutions (groups = channels), DeepLabV3's and ASPP's dilated ones (pad = dilation)
  conv({ name: 'depthwise 3x3 pad 1', xShape: [2, 6, 7, 8], out: 6, kernel: [3, 3], pad: [1, 1, 1, 1], groups: 6 }),
  conv({ name: 'depthwise 5x5 stride 2 pad 2, no bias', xShape: [2, 5, 9, 10], out: 5, kernel: [5, 5], stride: [2, 2], pad: [2, 2, 2, 2], groups: 5, bias: false }),
  conv({ name: 'depthwise 3x3 stride 2 pad 1, channel multiplier 2', xShape: [1, 4, 8, 7], out: 8, kernel: [3, 3], stride: [2, 2], pad: [1, 1, 1, 1], groups: 4 }),
  conv({ name: '3x3 dilation 4 pad 4', xShape: [2, 3, 9, 10], out: 4, kernel: [3, 3], pad: [4, 4, 4, 4], dilation: [4, 4] }),
  conv({ name: '3x3 dilation 12 pad 12 (most taps in the padding)', xShape: [1, 3, 14, 13], out: 4, kernel: [3, 3], pad: [12, 12, 12, 12], dilation: [12, 12] }),
  conv({ name: '3x3 dilation 36 pad 36 on a smaller map (only the centre tap reads x)', xShape: [1, 2, 6, 5], out: 3, kernel: [3, 3], pad: [36, 36, 36, 36], dilation: [36, 36] }),
  conv({ name: 'depthwise 3x3 dilation 2 pad 2', xShape: [2, 4, 8, 9], out: 4, kernel: [3, 3], pad: [2, 2, 2, 2], dilation: [2, 2], groups: 4 }),
];

function outputShape(c: Case): [number, number, number, number] {
  const [n, , h, w] = c.xShape;
  const length = (size: number, axis: 0 | 1) =>
    Math.floor((size + c.pad[axis] + c.pad[axis + 2] - c.dilation[axis] * (c.kernel[axis] - 1) - 1) / c.stride[axis]) + 1;
  return [n, c.out, length(h, 0), length(w, 1)];
}

const weightShape = (c: Case) => [c.out, c.xShape[1] / c.groups, ...c.kernel];
const size = (dims: readonly number[]) => dims.reduce((a, d) => a * d, 1);

/** Deterministic values in [-1, 1) (a linear congruential generator), so failures reproduce. */
function values(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}

/** Σ conv(x, w)·r in float64, straight from the definition (zero padding, dilation, groups). */
function weightedConvSum(c: Case, x: ArrayLike<number>, w: ArrayLike<number>, r: ArrayLike<number>): number {
  const [n, cin, h, wd] = c.xShape;
  const [, o, ho, wo] = outputShape(c);
  const [kh, kw] = c.kernel;
  const cg = cin / c.groups;
  const og = o / c.groups;
  let total = 0;
  for (let b = 0; b < n; b++)
    for (let oc = 0; oc < o; oc++)
      for (let p = 0; p < ho; p++)
        for (let q = 0; q < wo; q++) {
          let acc = 0;
          for (let ic = 0; ic < cg; ic++)
            for (let i = 0; i < kh; i++)
              for (let j = 0; j < kw; j++) {
                const row = p * c.stride[0] - c.pad[0] + i * c.dilation[0];
                const col = q * c.stride[1] - c.pad[1] + j * c.dilation[1];
                if (row < 0 || row >= h || col < 0 || col >= wd) continue;
                const channel = Math.floor(oc / og) * cg + ic;
                acc += x[((b * cin + channel) * h + row) * wd + col] * w[((oc * cg + ic) * kh + i) * kw + j];
              }
          total += acc * r[((b * o + oc) * ho + p) * wo + q];
        }
  return total;
}

/** Central differences of f at every element of `at` (in float64). */
function centralDifferences(at: Float32Array, f: (v: Float64Array) => number, h = 1e-2): Float64Array {
  const v = Float64Array.from(at);
  return Float64Array.from(v, (_, k) => {
    const keep = v[k];
    v[k] = keep + h;
    const up = f(v);
    v[k] = keep - h;
    const down = f(v);
    v[k] = keep;
    return (up - down) / (2 * h);
  });
}

function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let norm = 0;
  for (let k = 0; k < b.length; k++) {
    diff += (a[k] - b[k]) ** 2;
    norm += b[k] ** 2;
  }
  return Math.sqrt(diff / norm);
}

type Inputs = { x: Float32Array; w: Float32Array; dy: Float32Array };

function inputs(c: Case, seed: number): Inputs {
  return { x: values(size(c.xShape), seed), w: values(size(weightShape(c)), seed + 1), dy: values(size(outputShape(c)), seed + 2) };
}

async function onnxGradients(c: Case, data: Inputs, need = { input: true, weight: true, bias: c.bias }) {
  const b = new OnnxGraphBuilder();
  const node: Conv2dNode = {
    op: 'conv2d',
    inputs: ['x'],
    output: 'y',
    weight: 'w',
    bias: c.bias ? 'b' : null,
    inChannels: c.xShape[1],
    outChannels: c.out,
    kernel: c.kernel,
    stride: c.stride,
    pad: c.pad,
    dilation: c.dilation,
    groups: c.groups,
  };
  const yShape = outputShape(c);
  b.input('x', c.xShape);
  b.input('dy', yShape);
  b.input('w', weightShape(c));
  const grads = emitConv2dBackward(b, node, {
    x: 'x',
    dy: 'dy',
    weight: 'w',
    xShape: c.xShape,
    yShape,
    needInput: need.input,
    needWeight: need.weight,
    needBias: need.bias,
  });
  // the weight gradient again, one output row per im2col band
  const dwBanded = b.op('Identity', [im2colWeightGradient(b, node, { x: 'x', dy: 'dy', xShape: c.xShape, yShape }, { budget: 1 })]);
  const outputs = { dx: [c.xShape, grads.dx], dw: [weightShape(c), grads.dw], db: [[c.out], grads.db], dwBanded: [weightShape(c), dwBanded] } as const;
  for (const [, [dims, value]] of Object.entries(outputs)) if (value) b.output(value, dims);
  const results = await runOnnx(b.model('conv-grad'), {
    x: { data: data.x, dims: c.xShape },
    dy: { data: data.dy, dims: yShape },
    w: { data: data.w, dims: weightShape(c) },
  });
  const fetch = (value: string | undefined, dims: readonly number[]) => {
    if (!value) return undefined;
    expect(results[value].dims).toEqual(dims);
    return results[value].data;
  };
  return { grads, dx: fetch(grads.dx, c.xShape), dw: fetch(grads.dw, weightShape(c)), db: fetch(grads.db, [c.out]), dwBanded: fetch(dwBanded, weightShape(c))! };
}

describe('rowBands', () => {
  it('splits rows into nearly equal bands that cover them once', () => {
    expect(rowBands(10, 1)).toEqual([[0, 10]]);
    expect(rowBands(10, 3)).toEqual([[0, 3], [3, 6], [6, 10]]);
    expect(rowBands(4, 4)).toEqual([[0, 1], [1, 2], [2, 3], [3, 4]]);
  });
});

describe('conv2d gradient against finite differences', () => {
  it.each(cases)('$name', async (c) => {
    const data = inputs(c, 7);
    const got = await onnxGradients(c, data);
    const dx = centralDifferences(data.x, (x) => weightedConvSum(c, x, data.w, data.dy));
    const dw = centralDifferences(data.w, (w) => weightedConvSum(c, data.x, w, data.dy));
    expect(relativeError(got.dx!, dx)).toBeLessThan(1e-5);
    expect(relativeError(got.dw!, dw)).toBeLessThan(1e-5);
    expect(relativeError(got.dwBanded, dw)).toBeLessThan(1e-5);
    if (c.bias) {
      // d/db Σ (conv + b)·r = Σ r over batch and pixels, per channel
      const [n, o, ho, wo] = outputShape(c);
      const db = Array.from({ length: o }, (_, oc) => {
        let s = 0;
        for (let b = 0; b < n; b++) for (let k = 0; k < ho * wo; k++) s += data.dy[(b * o + oc) * ho * wo + k];
        return s;
      });
      expect(relativeError(got.db!, db)).toBeLessThan(1e-5);
    }
  });

  it('emits only the gradients asked for', async () => {
    const c = cases[0];
    const got = await onnxGradients(c, inputs(c, 3), { input: false, weight: true, bias: false });
    expect(Object.keys(got.grads)).toEqual(['dw']);
    const onlyInput = await onnxGradients(c, inputs(c, 3), { input: true, weight: false, bias: true });
    expect(Object.keys(onlyInput.grads).sort()).toEqual(['db', 'dx']);
  });
});

const python = TORCH_PYTHON;

// Reads the cases as JSON on stdin; answers torch's float64 gradients of Σ conv(x, w, b)·dy. Asymmetric pads go
// through F.pad, which conv2d's padding argument cannot express.
const torchScript = `
import json, sys, torch
import torch.nn.functional as F
out = []
for c in json.load(sys.stdin):
    x = torch.tensor(c['x'], dtype=torch.float64).reshape(c['xShape']).requires_grad_()
    w = torch.tensor(c['w'], dtype=torch.float64).reshape(c['wShape']).requires_grad_()
    b = torch.zeros(c['out'], dtype=torch.float64, requires_grad=True) if c['bias'] else None
    t, l, bo, r = c['pad']
    y = F.conv2d(F.pad(x, (l, r, t, bo)), w, b, stride=c['stride'], dilation=c['dilation'], groups=c['groups'])
    dy = torch.tensor(c['dy'], dtype=torch.float64).reshape(y.shape)
    y.backward(dy)
    out.append({'dx': x.grad.flatten().tolist(), 'dw': w.grad.flatten().tolist(), 'db': b.grad.tolist() if b is not None else None})
print(json.dumps(out))
`;

describeWithTorch('conv2d gradient against PyTorch autograd', () => {
  it('matches torch for every case (relative error < 1e-5)', async () => {
    const data = cases.map((c, k) => inputs(c, 100 + k));
    const request = cases.map((c, k) => ({ ...c, wShape: weightShape(c), x: [...data[k].x], w: [...data[k].w], dy: [...data[k].dy] }));
    const result = spawnSync(python, ['-c', torchScript], { input: JSON.stringify(request), encoding: 'utf8', timeout: 120_000 });
    if (result.status !== 0) throw new Error(`torch failed: ${result.stderr}`);
    const torch = JSON.parse(result.stdout) as { dx: number[]; dw: number[]; db: number[] | null }[];
    for (const [k, c] of cases.entries()) {
      const got = await onnxGradients(c, data[k]);
      const errors = { dx: relativeError(got.dx!, torch[k].dx), dw: relativeError(got.dw!, torch[k].dw), db: c.bias ? relativeError(got.db!, torch[k].db!) : 0 };
      expect({ name: c.name, ok: Object.values(errors).every((e) => e < 1e-5), errors }).toMatchObject({ name: c.name, ok: true });
    }
  });
});

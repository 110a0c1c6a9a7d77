// Each IR op's gradient rule against central finite differences of the ONNX forward pass, on graphs of one or two
// ops whose input is the image (differentiated directly, so the whole input gradient is checked), and the cases
// finite differences cannot see (ties, kinks) against values worked out by hand.
//
// Tolerance. L = Σ out·R is evaluated in float32 by onnxruntime and summed in float64; the step is h = 1e-2 on
// inputs of size ~1, and the gradient is dotted with the step actually taken after float32 rounding. For the
// piecewise-linear ops (pools, channel max, ReLU, max, upsampling, concat, add) the inputs are built so that no kink
// lies within the step, and the difference quotient is exact up to the rounding of L: ~1e-7 relative per output,
// ~1e-5 of the scale after dividing by 2h. For the smooth ops (sigmoid, SiLU, BatchNorm, mul) the truncation error h²·L'''/6 adds
// ~1e-5. Measured errors are below 1e-4 of the scale (‖g‖ along a random direction, RMS(g) along one coordinate);
// the bound is 1e-3, and a wrong rule — a missed term, a wrong broadcast axis, a misplaced border share — is off
// by 1e-1 or more.
import { afterEach, describe, expect, it } from 'vitest';
import type { GraphIR } from '../../../../ml/models';
import { GraphBuilder, type Value } from '../../../../ml/models/builder';
import { Rng } from '../../../../ml/random';
import { compareWithFiniteDifferences, fullSetup, GradientProblem, randomArray, worstError, type Size } from './grad-check';

const TOLERANCE = 1e-3;
const H = 1e-2;

let problem: GradientProblem | null = null;
afterEach(async () => {
  await problem?.release();
  problem = null;
});

/** A graph image → build(image) → one output. */
function graphOf(channels: number, build: (b: GraphBuilder, image: Value) => Value, kind: 'map' | 'vector' = 'map'): GraphIR {
  const b = new GraphBuilder();
  const image = b.input('image', channels);
  b.output('out', build(b, image), kind);
  return b.build();
}

/**
 * Values at least `gap` apart from each other and from 0, in random order: no pool window, max or ReLU changes its
 * choice within a step of h·|d| ≤ 5h.
 */
function separatedValues(count: number, seed: number, gap = 0.1): Float32Array {
  const rng = new Rng(seed);
  const values = Array.from({ length: count }, (_, i) => (i - count / 2 + 0.5) * gap);
  for (let i = count - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [values[i], values[j]] = [values[j], values[i]];
  }
  return Float32Array.from(values);
}

/**
 * Planes of ±v, v in 0.2–0.4 and 0.9–2.9 (so each plane's mean is 0), shuffled: for max(max(x, σ(x)), mean x) both
 * maxima keep a margin of more than 0.05 — x − σ(x) has its root at 0.66, and σ(x) > 0.05 for x > −2.9.
 */
function maxOperands(planes: number, seed: number): Float32Array {
  const magnitudes = [0.2, 0.3, 0.4, ...Array.from({ length: 21 }, (_, k) => 0.9 + 0.1 * k)];
  const plane = [...magnitudes, ...magnitudes.map((v) => -v)];
  const rng = new Rng(seed);
  return Float32Array.from({ length: planes * plane.length }, (_, i) => {
    if (i % plane.length === 0) {
      for (let k = plane.length - 1; k > 0; k--) {
        const j = rng.int(k + 1);
        [plane[k], plane[j]] = [plane[j], plane[k]];
      }
    }
    return plane[i % plane.length];
  });
}

function imageSize(graph: GraphIR, size: Size): number {
  return size.batch * graph.inputs[0].channels * size.height * size.width;
}

/** Checks the gradient of L with respect to the image and to each trainable parameter. */
async function expectMatchesFiniteDifferences(graph: GraphIR, size: Size, image?: Float32Array, params: 'all' | 'none' = 'none'): Promise<void> {
  const setup = params === 'all' ? fullSetup(graph) : { trainable: new Set<string>(), frozenBatchNorm: new Set<string>() };
  problem = await GradientProblem.create(graph, size, { image: image ?? randomArray(imageSize(graph, size), new Rng(3)), wrtImage: true, setup });
  const grads = await problem.gradients();
  expect([...grads.keys()].sort()).toEqual(['image', ...setup.trainable].sort());
  for (const name of grads.keys()) {
    const comparisons = await compareWithFiniteDifferences(problem, grads, name, { h: H, coordinates: 3 });
    expect(worstError(comparisons), name).toBeLessThan(TOLERANCE);
  }
}

const SMALL: Size = { batch: 2, height: 6, width: 8 };

describe('gradient rules against finite differences', () => {
  it('relu, away from its kink', async () => {
    const graph = graphOf(3, (b, x) => b.relu(x));
    await expectMatchesFiniteDifferences(graph, SMALL, separatedValues(imageSize(graph, SMALL), 1));
  });

  it('sigmoid', async () => {
    await expectMatchesFiniteDifferences(graphOf(3, (b, x) => b.sigmoid(x)), SMALL);
  });

  it('silu', async () => {
    await expectMatchesFiniteDifferences(graphOf(3, (b, x) => b.silu(x)), SMALL);
  });

  it('global max pool, away from ties', async () => {
    const graph = graphOf(3, (b, x) => b.globalMaxPool(x));
    await expectMatchesFiniteDifferences(graph, SMALL, separatedValues(imageSize(graph, SMALL), 6));
  });

  it('channel mean and channel max (away from ties), as CBAM’s spatial attention reads them', async () => {
    const graph = graphOf(4, (b, x) => b.concat([b.channelMean(x), b.channelMax(x)]));
    await expectMatchesFiniteDifferences(graph, SMALL, separatedValues(imageSize(graph, SMALL), 7));
  });

  it('expandSpatial: a pooled vector repeated over the map (ASPP’s image pooling); the map that gives the size gets nothing', async () => {
    const graph = graphOf(3, (b, x) => b.mul(b.sigmoid(x), b.expandSpatial(b.conv2d(b.globalAvgPool(x), 'pool', { out: 3, kernel: 1 }), x)));
    await expectMatchesFiniteDifferences(graph, SMALL, undefined, 'all');
  });

  it('a conv module applied twice (CBAM’s shared MLP): its weight and bias gradients are the sum of both uses', async () => {
    const graph = graphOf(4, (b, x) => {
      const mlp = (v: Value, reuse: boolean) => b.conv2d(v, 'mlp', { out: 4, kernel: 1, reuse });
      return b.sigmoid(b.add(mlp(b.globalAvgPool(x), false), mlp(b.sigmoid(b.globalAvgPool(x)), true)));
    });
    await expectMatchesFiniteDifferences(graph, SMALL, undefined, 'all');
  });

  const pools = [
    ['2x2 stride 2', { kernel: 2, stride: 2 }, { batch: 2, height: 6, width: 8 }],
    ['3x3 stride 2 pad 1 (overlapping windows)', { kernel: 3, stride: 2, pad: 1 }, { batch: 2, height: 7, width: 8 }],
    ['3x3 stride 2 ceil mode (the last window hangs over)', { kernel: 3, stride: 2, ceilMode: true }, { batch: 2, height: 8, width: 9 }],
  ] as const;
  for (const [label, options, size] of pools) {
    it(`max pool ${label}`, async () => {
      const graph = graphOf(3, (b, x) => b.maxPool(x, options));
      await expectMatchesFiniteDifferences(graph, size, separatedValues(imageSize(graph, size), 2));
    });
  }

  it('nearest upsampling x2 and x3', async () => {
    await expectMatchesFiniteDifferences(graphOf(3, (b, x) => b.upsample(x, 'nearest', 2)), SMALL);
    await problem!.release();
    await expectMatchesFiniteDifferences(graphOf(2, (b, x) => b.upsample(x, 'nearest', 3)), { batch: 1, height: 3, width: 4 });
  });

  it('bilinear upsampling (half-pixel, clamped at the border) x2, x3, x4 and from a single pixel', async () => {
    await expectMatchesFiniteDifferences(graphOf(3, (b, x) => b.upsample(x, 'bilinear', 2)), SMALL);
    for (const [scale, size] of [
      [3, { batch: 1, height: 3, width: 5 }],
      [4, { batch: 1, height: 2, width: 3 }],
      [2, { batch: 2, height: 1, width: 1 }],
    ] as const) {
      await problem!.release();
      await expectMatchesFiniteDifferences(graphOf(2, (b, x) => b.upsample(x, 'bilinear', scale)), size);
    }
  });

  it('add with a [N, C, 1, 1] operand broadcast over the map', async () => {
    await expectMatchesFiniteDifferences(graphOf(3, (b, x) => b.add(x, b.globalAvgPool(x))), SMALL);
  });

  it('mul with [N, C, 1, 1] and [N, 1, H, W] gates (channel and spatial squeeze-excitation)', async () => {
    const graph = graphOf(4, (b, x) => {
      const channelGate = b.sigmoid(b.globalAvgPool(x));
      const spatialGate = b.sigmoid(b.conv2d(x, 'spatial', { out: 1, kernel: 1, bias: false }));
      return b.add(b.mul(x, channelGate), b.mul(spatialGate, x));
    });
    await expectMatchesFiniteDifferences(graph, SMALL, undefined, 'all');
  });

  it('max of two maps and with a broadcast operand, away from ties', async () => {
    const graph = graphOf(3, (b, x) => b.max(b.max(x, b.sigmoid(x)), b.globalAvgPool(x)));
    const size = { batch: 2, height: 6, width: 8 };
    await expectMatchesFiniteDifferences(graph, size, maxOperands(size.batch * 3, 4));
  });

  it('concat, and a value read by several nodes (gradients summed)', async () => {
    const graph = graphOf(2, (b, x) => b.concat([b.sigmoid(x), x, b.upsample(b.maxPool(x, { kernel: 2, stride: 2 }), 'nearest')]));
    await expectMatchesFiniteDifferences(graph, SMALL, separatedValues(imageSize(graph, SMALL), 5));
  });

  it('global average pool, flatten and linear (weight and bias)', async () => {
    const graph = graphOf(4, (b, x) => b.linear(b.flatten(b.globalAvgPool(x)), 'fc', 3), 'vector');
    await expectMatchesFiniteDifferences(graph, SMALL, undefined, 'all');
  });

  it('BatchNorm in training mode: through the batch statistics, and its γ and β', async () => {
    await expectMatchesFiniteDifferences(graphOf(3, (b, x) => b.batchNorm(x, 'bn', 1e-3, 0.3)), SMALL, undefined, 'all');
  });

  it('BatchNorm frozen (running statistics)', async () => {
    const graph = graphOf(3, (b, x) => b.batchNorm(x, 'bn'));
    const size = SMALL;
    const setup = { trainable: new Set<string>(), frozenBatchNorm: new Set(['bn.weight']) };
    problem = await GradientProblem.create(graph, size, { wrtImage: true, setup });
    const grads = await problem.gradients();
    expect(worstError(await compareWithFiniteDifferences(problem, grads, 'image', { h: H, coordinates: 3 }))).toBeLessThan(TOLERANCE);
  });

  it('conv2d (helper C’s rule) inside a chain: weight, bias and input', async () => {
    const graph = graphOf(3, (b, x) => b.sigmoid(b.conv2d(b.sigmoid(x), 'conv', { out: 4, kernel: 3, pad: 1, stride: 2 })));
    await expectMatchesFiniteDifferences(graph, SMALL, undefined, 'all');
  });
});

describe('gradient rules where differences cannot look: ties and kinks, by hand', () => {
  /** Gradients of Σ out·R with respect to the image, for a given image and R. */
  async function imageGradient(graph: GraphIR, size: Size, image: number[], r: number[]): Promise<number[]> {
    problem = await GradientProblem.create(graph, size, { image: Float32Array.from(image), wrtImage: true, setup: { trainable: new Set(), frozenBatchNorm: new Set() } });
    problem.setSeed('out', Float32Array.from(r));
    return [...(await problem.gradients()).get('image')!];
  }

  it('relu passes nothing where its output is 0, the input 0 included (PyTorch threshold_backward)', async () => {
    const dx = await imageGradient(graphOf(1, (b, x) => b.relu(x)), { batch: 1, height: 1, width: 4 }, [-1, 0, 1e-30, 2], [5, 6, 7, 8]);
    expect(dx).toEqual([0, 0, 7, 8]);
  });

  it('max pool sends a window’s gradient to the first of tied maxima, and adds where overlapping windows share it', async () => {
    // 1x1x3x3 input, 3x3 pool stride 2 pad 1 → 2x2 windows over rows/cols {0,1}, {1,2}; every cell equals 1, so each
    // window's first valid cell wins: (0,0), (0,1), (1,0), (1,1).
    const graph = graphOf(1, (b, x) => b.maxPool(x, { kernel: 3, stride: 2, pad: 1 }));
    const dx = await imageGradient(graph, { batch: 1, height: 3, width: 3 }, Array(9).fill(1), [1, 2, 3, 4]);
    expect(dx).toEqual([1, 2, 0, 3, 4, 0, 0, 0, 0]);
  });

  it('max pool in ceil mode: the window hanging over the edge picks among the cells it covers', async () => {
    // 3x4 input, 3x3 pool stride 2 ceil mode: one row of windows, at columns 0–2 and 2–3 (column 4 is past the
    // edge). Row 1 is [1, 2, 5, 5]: both windows' first maximum is (1, 2).
    const graph = graphOf(1, (b, x) => b.maxPool(x, { kernel: 3, stride: 2, ceilMode: true }));
    const dx = await imageGradient(graph, { batch: 1, height: 3, width: 4 }, [0, 0, 0, 0, 1, 2, 5, 5, 0, 0, 0, 0], [1, 10]);
    expect(dx).toEqual([0, 0, 0, 0, 0, 0, 11, 0, 0, 0, 0, 0]);
  });

  it('global max pool sends each channel’s gradient to its first maximum (adaptive_max_pool2d’s rule, not amax’s share)', async () => {
    // Two channels of 2x2: the first all 1, the second with its maximum 3 at (0, 1) and (1, 1).
    const graph = graphOf(2, (b, x) => b.globalMaxPool(x));
    const dx = await imageGradient(graph, { batch: 1, height: 2, width: 2 }, [1, 1, 1, 1, 0, 3, 2, 3], [5, 7]);
    expect(dx).toEqual([5, 0, 0, 0, 0, 7, 0, 0]);
  });

  it('channel max sends each cell’s gradient to its first maximal channel (torch.max(x, 1)’s rule)', async () => {
    // Three channels of 1x2: cell 0 ties in all three channels, cell 1 in channels 1 and 2.
    const graph = graphOf(3, (b, x) => b.channelMax(x));
    const dx = await imageGradient(graph, { batch: 1, height: 1, width: 2 }, [4, 0, 4, 2, 4, 2], [5, 7]);
    expect(dx).toEqual([5, 0, 0, 7, 0, 0]);
  });

  it('max splits the gradient in half where its inputs tie (torch.maximum)', async () => {
    // max(x, mean x) on a constant channel: every cell ties with the mean. The first input takes dy/2 directly,
    // the mean's half spreads evenly back: dx = dy/2 + mean(dy)/2.
    const graph = graphOf(1, (b, x) => b.max(x, b.globalAvgPool(x)));
    const dy = [1, 2, 3, 6];
    const dx = await imageGradient(graph, { batch: 1, height: 2, width: 2 }, [0.5, 0.5, 0.5, 0.5], dy);
    expect(dx).toEqual(dy.map((d) => d / 2 + 3 / 2));
  });

  it('frozen BatchNorm scales by γ/√(running_var + ε), ε included', async () => {
    const b = new GraphBuilder();
    b.output('out', b.batchNorm(b.input('image', 1), 'bn', 0.5), 'map');
    const graph = b.build();
    problem = await GradientProblem.create(graph, { batch: 1, height: 1, width: 2 }, {
      image: Float32Array.from([1, 2]),
      weights: new Map([
        ['bn.weight', Float32Array.from([3])],
        ['bn.bias', Float32Array.from([0])],
        ['bn.running_mean', Float32Array.from([0])],
        ['bn.running_var', Float32Array.from([0.5])],
      ]),
      wrtImage: true,
      setup: { trainable: new Set(), frozenBatchNorm: new Set(['bn.weight']) },
    });
    problem.setSeed('out', Float32Array.from([1, -2]));
    expect([...(await problem.gradients()).get('image')!]).toEqual([3, -6]);
  });

  it('bilinear x2 along a row of three: the adjoint of PyTorch’s weights, border shares kept at the border', async () => {
    // Forward (half-pixel, clamped): out = [x0, ¾x0+¼x1, ¼x0+¾x1, ¾x1+¼x2, ¼x1+¾x2, x2] along the width, and every
    // row doubles (height 1 → 2) with weight 1 per copy.
    const graph = graphOf(1, (b, x) => b.upsample(x, 'bilinear', 2));
    const r = [1, 2, 3, 4, 5, 6];
    const dx = await imageGradient(graph, { batch: 1, height: 1, width: 3 }, [0, 0, 0], [...r, ...r]);
    const perRow = [r[0] + 0.75 * r[1] + 0.25 * r[2], 0.25 * r[1] + 0.75 * r[2] + 0.75 * r[3] + 0.25 * r[4], 0.25 * r[3] + 0.75 * r[4] + r[5]];
    expect(dx).toEqual(perRow.map((v) => 2 * v));
  });
});

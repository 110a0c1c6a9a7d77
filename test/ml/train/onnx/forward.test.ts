// The training-mode forward pass: graph inputs, BatchNorm on batch statistics with PyTorch's running-statistics
// update (checked against values computed here), frozen BatchNorm, max pool indices, and agreement with the
// inference exporter where the two should agree.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../../../../ml/io/onnx-export';
import { OnnxGraphBuilder } from '../../../../ml/io/onnx-builder';
import type { GraphIR } from '../../../../ml/models';
import { GraphBuilder } from '../../../../ml/models/builder';
import { Rng } from '../../../../ml/random';
import type { ForwardResult, TrainingSetup } from '../../../../ml/train/onnx/contract';
import { emitTrainingForward } from '../../../../ml/train/onnx/forward';
import { randomWeights } from '../../models/random-weights';
import { everyOpModel, newOpsModel } from './grad-fixtures';
import { runOnnx, type Fed } from './ort-run';

const NO_TRAINING: TrainingSetup = { trainable: new Set(), frozenBatchNorm: new Set() };

type Extra = { value: string; dims: number[]; type: 'float32' | 'int64' };

/** Compiles the training forward pass with the given extra outputs and runs it once; outputs come back as numbers. */
async function runForward(
  graph: GraphIR,
  size: { batch: number; height: number; width: number },
  feeds: Record<string, Fed>,
  setup: TrainingSetup = NO_TRAINING,
  extra: (forward: ForwardResult) => Record<string, Extra> = () => ({}),
) {
  const b = new OnnxGraphBuilder();
  const forward = emitTrainingForward(b, graph, size, setup);
  for (const o of graph.outputs) b.output(b.op('Identity', [forward.outputs.get(o.name)!], {}, { name: `out:${o.name}` }), [...forward.shapes.get(o.value)!]);
  for (const [buffer, value] of forward.runningStats) b.output(b.op('Identity', [value], {}, { name: `next:${buffer}` }), [graph.params.find((p) => p.name === buffer)!.shape[0]]);
  for (const [name, { value, dims, type }] of Object.entries(extra(forward))) b.output(b.op('Identity', [value], {}, { name }), dims, type);
  const session = await ort.InferenceSession.create(b.model('forward'));
  try {
    const inputs = Object.fromEntries(
      Object.entries(feeds)
        .filter(([name]) => session.inputNames.includes(name))
        .map(([name, fed]) => [name, new ort.Tensor('float32', fed.data, [...fed.dims])]),
    );
    const outputs = await session.run(inputs);
    const results = Object.fromEntries(Object.entries(outputs).map(([name, t]) => [name, { data: Array.from(t.data as ArrayLike<number | bigint>, Number), dims: [...t.dims] }]));
    return { forward, inputNames: [...session.inputNames], results };
  } finally {
    await session.release();
  }
}

/** float32 agreement with a value computed in float64: a few roundings of relative size 6e-8. */
function expectClose(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(expected)));
}

function weightFeeds(graph: GraphIR, weights: ReadonlyMap<string, Float32Array>): Record<string, Fed> {
  return Object.fromEntries(graph.params.map((p) => [p.name, { data: weights.get(p.name)!, dims: p.shape }]));
}

/** image → BatchNorm (eps 1e-3, momentum 0.3) → output. */
function batchNormGraph(): GraphIR {
  const b = new GraphBuilder();
  const x = b.input('image', 2);
  b.output('out', b.batchNorm(x, 'bn', 1e-3, 0.3), 'map');
  return b.build();
}

describe('emitTrainingForward', () => {
  it('declares the image and exactly the parameters and buffers the nodes read, with their shapes', async () => {
    const b = new GraphBuilder();
    const x = b.input('image', 3);
    b.param('unused.weight', [5], { kind: 'constant', value: 0 });
    b.output('out', b.linear(b.flatten(b.globalAvgPool(b.batchNorm(b.conv2d(x, 'conv', { out: 4, kernel: 1 }), 'bn'))), 'fc', 2), 'vector');
    const graph = b.build();
    const feeds = { image: { data: new Float32Array(2 * 3 * 4 * 4), dims: [2, 3, 4, 4] }, ...weightFeeds(graph, randomWeights(graph, 1)) };
    const { forward, inputNames } = await runForward(graph, { batch: 2, height: 4, width: 4 }, feeds);
    expect(inputNames.sort()).toEqual(['image', 'conv.weight', 'conv.bias', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'fc.weight', 'fc.bias'].sort());
    expect(forward.shapes.get(graph.outputs[0].value)).toEqual([2, 2]);
    expect(forward.saved).toHaveLength(graph.nodes.length);
  });

  it('normalises with the batch mean and biased variance over N, H, W and moves the running statistics towards the unbiased one', async () => {
    const graph = batchNormGraph();
    const [n, c, h, w] = [3, 2, 2, 3];
    const rng = new Rng(4);
    const image = Float32Array.from({ length: n * c * h * w }, () => rng.normal() * 2 + 1);
    const params = { gamma: [0.5, -2], beta: [0.25, 1], mean: [0.1, -0.3], variance: [2, 0.5] };
    const { results, forward } = await runForward(graph, { batch: n, height: h, width: w }, {
      image: { data: image, dims: [n, c, h, w] },
      'bn.weight': { data: Float32Array.from(params.gamma), dims: [c] },
      'bn.bias': { data: Float32Array.from(params.beta), dims: [c] },
      'bn.running_mean': { data: Float32Array.from(params.mean), dims: [c] },
      'bn.running_var': { data: Float32Array.from(params.variance), dims: [c] },
    });
    expect([...forward.runningStats.keys()].sort()).toEqual(['bn.running_mean', 'bn.running_var']);
    const count = n * h * w;
    const at = (i: number, ch: number, p: number) => image[(i * c + ch) * h * w + p];
    for (let ch = 0; ch < c; ch++) {
      const values = Array.from({ length: n }, (_, i) => Array.from({ length: h * w }, (_, p) => at(i, ch, p))).flat();
      const mean = values.reduce((s, v) => s + v, 0) / count;
      const biased = values.reduce((s, v) => s + (v - mean) ** 2, 0) / count;
      expectClose(results['next:bn.running_mean'].data[ch], 0.7 * params.mean[ch] + 0.3 * mean);
      expectClose(results['next:bn.running_var'].data[ch], 0.7 * params.variance[ch] + 0.3 * biased * (count / (count - 1)));
      for (let i = 0; i < n; i++) {
        for (let p = 0; p < h * w; p++) {
          const expected = ((at(i, ch, p) - mean) / Math.sqrt(biased + 1e-3)) * params.gamma[ch] + params.beta[ch];
          expectClose(results['out:out'].data[(i * c + ch) * h * w + p], expected);
        }
      }
    }
  });

  it('runs a frozen BatchNorm on its running statistics and leaves them alone', async () => {
    const graph = batchNormGraph();
    const image = Float32Array.from({ length: 2 * 2 * 2 * 2 }, (_, i) => i - 3);
    const { results, forward } = await runForward(
      graph,
      { batch: 2, height: 2, width: 2 },
      {
        image: { data: image, dims: [2, 2, 2, 2] },
        'bn.weight': { data: Float32Array.from([2, 3]), dims: [2] },
        'bn.bias': { data: Float32Array.from([1, -1]), dims: [2] },
        'bn.running_mean': { data: Float32Array.from([0.5, -0.5]), dims: [2] },
        'bn.running_var': { data: Float32Array.from([4, 0.25]), dims: [2] },
      },
      { trainable: new Set(), frozenBatchNorm: new Set(['bn.weight']) },
    );
    expect(forward.runningStats.size).toBe(0);
    const expected = Array.from(image, (v, i) => {
      const ch = Math.floor(i / 4) % 2;
      return ch === 0 ? ((v - 0.5) / Math.sqrt(4 + 1e-3)) * 2 + 1 : ((v + 0.5) / Math.sqrt(0.25 + 1e-3)) * 3 - 1;
    });
    results['out:out'].data.forEach((v, i) => expectClose(v, expected[i]));
  });

  it('refuses a training-mode BatchNorm with one value per channel, as PyTorch does', () => {
    expect(() => emitTrainingForward(new OnnxGraphBuilder(), batchNormGraph(), { batch: 1, height: 1, width: 1 }, NO_TRAINING)).toThrow(/more than one value per channel/);
  });

  it('saves each max pool’s flat NCHW indices, the first of tied maxima winning (PyTorch’s rule)', async () => {
    const b = new GraphBuilder();
    const x = b.input('image', 2);
    b.output('out', b.maxPool(x, { kernel: 3, stride: 2, pad: 1 }), 'map');
    const graph = b.build();
    const [n, c, h, w] = [2, 2, 5, 6];
    const rng = new Rng(8);
    // Values from {0, 1, 2}: most windows hold ties.
    const image = Float32Array.from({ length: n * c * h * w }, () => rng.int(3));
    const { results } = await runForward(graph, { batch: n, height: h, width: w }, { image: { data: image, dims: [n, c, h, w] } }, NO_TRAINING, (forward) => ({
      indices: { value: forward.saved[0].indices, dims: [n, c, 3, 3], type: 'int64' },
    }));
    const [oh, ow] = [3, 3];
    const expected: number[] = [];
    for (let plane = 0; plane < n * c; plane++) {
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          let best = -Infinity;
          let index = -1;
          for (let y = oy * 2 - 1; y <= oy * 2 + 1; y++) {
            for (let xx = ox * 2 - 1; xx <= ox * 2 + 1; xx++) {
              if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
              const flat = plane * h * w + y * w + xx;
              if (image[flat] > best) [best, index] = [image[flat], flat];
            }
          }
          expected.push(index);
        }
      }
    }
    expect(results.indices.data).toEqual(expected);
  });

  it.each([
    ['every IR op until issue 14', everyOpModel, 32],
    ['issue 14’s ops (MaxPool for the global max with static sizes, Expand to a static shape)', newOpsModel, 16],
  ] as const)('with every BatchNorm frozen, computes what the inference exporter’s unfolded graph computes: %s', async (_, model, side) => {
    const { graph, metadata } = model();
    const weights = randomWeights(graph, 6);
    const size = { batch: 2, height: side, width: side };
    const rng = new Rng(9);
    const image = Float32Array.from({ length: 2 * 3 * side * side }, () => rng.next());
    const feeds = { image: { data: image, dims: [2, 3, side, side] }, ...weightFeeds(graph, weights) };
    const allFrozen = new Set(graph.nodes.flatMap((node) => (node.op === 'batchNorm' ? [node.weight] : [])));
    const { results } = await runForward(graph, size, feeds, { trainable: new Set(), frozenBatchNorm: allFrozen });
    const reference = await runOnnx(exportOnnx({ graph, metadata }, weights, { foldBatchNorm: false, rowStrips: 1 }), { image: feeds.image });
    for (const name of ['logits', 'cls_logit']) {
      expect(results[`out:${name}`].dims).toEqual(reference[name].dims);
      const worst = results[`out:${name}`].data.reduce((m, v, i) => Math.max(m, Math.abs(v - reference[name].data[i])), 0);
      expect(worst, name).toBeLessThan(1e-5);
    }
  });
});

// The ONNX export runs a U-Net's full-resolution tail in row strips: the plan (which nodes, how much overlap) against
// hand-counted rows, and the striped graph against the whole one on sizes whose strips split unevenly.
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../../../ml/io/onnx-export';
import { invalidRows, planRowStrips } from '../../../ml/io/onnx-row-strips';
import { createModel, type GraphNode } from '../../../ml/models';
import { randomWeights } from '../models/random-weights';

const conv = (pad: number): GraphNode =>
  ({ op: 'conv2d', inputs: ['x'], output: 'y', weight: 'w', bias: null, inChannels: 1, outChannels: 1, kernel: [2 * pad + 1, 2 * pad + 1], stride: [1, 1], pad: [pad, pad, pad, pad], dilation: [1, 1], groups: 1 }) as GraphNode;
const up = (mode: 'nearest' | 'bilinear', scale = 2): GraphNode => ({ op: 'upsample', inputs: ['x'], output: 'y', scale, mode, alignCorners: false });

describe('invalidRows', () => {
  it('counts the rows next to a strip edge that differ from the whole map', () => {
    // bilinear x2 at a clamped edge: output row 0 reads source row −1 in the whole map → 1 wrong row
    expect(invalidRows([up('bilinear')])).toEqual({ rows: 1, scale: 2 });
    expect(invalidRows([up('nearest')])).toEqual({ rows: 0, scale: 2 });
    // 3x3 conv: 1 row; then bilinear x2: 2·1 + 1; then a 5x5 conv: + 2
    expect(invalidRows([conv(1), up('bilinear'), conv(2)])).toEqual({ rows: 5, scale: 2 });
    // bilinear x4: source row ⌊(j + ½)/4 − ½⌋ is −1 for j < 2 → 2 wrong rows
    expect(invalidRows([up('bilinear', 4)])).toEqual({ rows: 2, scale: 4 });
  });
});

describe('planRowStrips', () => {
  it("takes AlbuNet's dec2, dec1 and dec0 with the final conv, 3 rows of overlap at 1/4 scale", () => {
    const plan = planRowStrips(createModel('albunet', { nf: 4 }).graph)!;
    expect(plan.nodes.map((n) => n.op).join(',')).toBe('upsample,conv2d,relu,conv2d,relu,upsample,conv2d,relu,conv2d,relu,conv2d,relu,conv2d');
    // 1 (bilinear) + 1 + 1 = 3; 2·3 + 1 = 7 (bilinear) + 1 + 1 + 1 = 10 rows at full size → ⌈10/4⌉ cut rows
    expect([plan.haloRows, plan.scale]).toEqual([3, 4]);
  });

  it("leaves a graph alone whose output is not reached through an upsampling", () => {
    const graph = createModel('albunet', { nf: 4 }).graph;
    // The logits read straight from the last skip connection's concatenation: nothing row-local ends the graph.
    const endsAtConcat = { ...graph, outputs: graph.outputs.map((o) => ({ ...o, value: planRowStrips(graph)!.cut })) };
    expect(planRowStrips(endsAtConcat)).toBeNull();
  });
});

describe('exportOnnx in row strips', () => {
  async function logits(bytes: Uint8Array, height: number, width: number): Promise<Float32Array> {
    const session = await ort.InferenceSession.create(bytes);
    const image = Float32Array.from({ length: 3 * height * width }, (_, i) => Math.sin(i * 0.37));
    const out = await session.run({ image: new ort.Tensor('float32', image, [1, 3, height, width]) });
    await session.release();
    return out.logits.data as Float32Array;
  }

  for (const [arch, options] of [['albunet', { nf: 4 }], ['unet-light', {}]] as const) {
    it(`gives ${arch} the whole graph's logits, strips of uneven height included`, async () => {
      const definition = createModel(arch, options);
      const weights = randomWeights(definition.graph, 7);
      const striped = exportOnnx(definition, weights);
      expect(onnxProto.onnx.ModelProto.decode(striped).graph!.node!.filter((n) => n.opType === 'Slice')).toHaveLength(8);
      // 192 rows: AlbuNet's cut has 48 (strips of 12); 320: 80 rows, unet-light's cut 160; 448: bounds 28, 56, 84
      for (const [height, width] of [[64, 64], [192, 128], [448, 64]]) {
        const [whole, strips] = await Promise.all([logits(exportOnnx(definition, weights, { rowStrips: 1 }), height, width), logits(striped, height, width)]);
        const scale = whole.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        const worst = whole.reduce((m, v, i) => Math.max(m, Math.abs(v - strips[i])), 0);
        expect(worst).toBeLessThanOrEqual(1e-5 * scale);
      }
    });
  }

  it('refuses a strip count that is not a whole number ≥ 1', () => {
    const definition = createModel('unet-light', {});
    expect(() => exportOnnx(definition, randomWeights(definition.graph, 1), { rowStrips: 0 })).toThrow(/rowStrips/);
  });
});

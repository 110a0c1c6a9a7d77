// An INT8 version's card: `precision` (absent = fp32) and `quantization` present exactly together, its figures
// checked for sense, no local path in it; and writeModel writing a given (quantized) graph only for an INT8 card.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardPrecision, describeModel, parseModelCard, type ModelCard, type ModelCardBody, type Quantization } from '../../../ml/io/model-card';
import { ModelFolderError } from '../../../ml/io/model-folder-error';
import { loadModel, writeModel } from '../../../ml/io/model-store';
import { sha256 } from '../../../ml/io/sha256';
import { createModel, initialWeights } from '../../../ml/models';
import { cardProblem } from '../../fixtures/card-problem';

const definition = createModel('unet-light', {});
const weights = initialWeights(definition.graph, 3);
const fp32: ModelCardBody = describeModel(definition, {
  id: 'light',
  version: '1',
  size: 64,
  notes: 'a test model',
  provenance: { source: 'random-init', file: null, sha256: null, seed: 3, importedAt: '2026-12-01T00:00:00Z', tool: 'pleura 0.1.0' },
});
const quantization: Quantization = {
  source: 'light@1',
  method: 'percentile',
  percentile: 99.99,
  quantizedConvs: 20,
  fp32Layers: [{ node: 'encoder.blocks.0.conv1.0', why: 'reads the raw image' }],
  activations: 'uint8 per tensor',
  weights: 'int8 per channel (symmetric)',
  calibration: { count: 32, source: 'calibration' },
  agreement: { images: 40, source: 'held-out folder fresh', meanDice: 0.99, minDice: 0.9, flagsAgree: 39, flagsTotal: 40, maxProbabilityDifference: 0.2 },
};
const int8: ModelCardBody = { ...fp32, id: 'light-int8', precision: 'int8', quantization };
const files: ModelCard['files'] = { weights: { path: 'weights.bin', sha256: 'b'.repeat(64) }, manifest: { path: 'weights.json', sha256: 'c'.repeat(64) }, onnx: { path: 'model.onnx', sha256: 'd'.repeat(64) } };

const problemWith = (edit: (card: Record<string, any>) => void) => cardProblem({ ...int8, files }, edit);

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'pleura-card-int8-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('the precision on a model card', () => {
  it('is fp32 when absent (every card before INT8) or said, int8 with its quantization record', () => {
    expect(cardPrecision(parseModelCard({ ...fp32, files }))).toBe('fp32');
    expect(cardPrecision(parseModelCard({ ...fp32, precision: 'fp32', files }))).toBe('fp32');
    const card = parseModelCard(JSON.parse(JSON.stringify({ ...int8, files })));
    expect(cardPrecision(card)).toBe('int8');
    expect(card.quantization).toEqual(quantization);
  });

  it('refuses an INT8 card without its record, a record on an fp32 card, and figures that make no sense', () => {
    expect(problemWith((c) => delete c.quantization)).toMatch(/quantization: an INT8 card records how it was quantized/);
    expect(problemWith((c) => (c.precision = 'fp32'))).toMatch(/precision: a card with a quantization record is an INT8 card/);
    expect(problemWith((c) => delete c.precision)).toMatch(/precision: a card with a quantization record is an INT8 card/);
    expect(problemWith((c) => (c.precision = 'int4'))).toMatch(/precision: /);
    expect(problemWith((c) => (c.quantization.agreement.flagsAgree = 41))).toMatch(/quantization\.agreement: flagsAgree must not exceed flagsTotal/);
    expect(problemWith((c) => (c.quantization.agreement.meanDice = 1.2))).toMatch(/quantization\.agreement\.meanDice: /);
    expect(problemWith((c) => (c.quantization.method = 'minmax'))).toMatch(/quantization\.percentile: a percentile is recorded for the percentile method only/);
    expect(problemWith((c) => (c.quantization.method = 'mse'))).toMatch(/quantization\.method: /);
    expect(problemWith((c) => (c.quantization.calibration.count = 0))).toMatch(/quantization\.calibration\.count: /);
    expect(problemWith((c) => (c.quantization.source = 'light'))).toMatch(/quantization\.source: expected ID@VERSION/);
    expect(problemWith((c) => (c.quantization.fp32Layers[0].why = ''))).toMatch(/quantization\.fp32Layers\.0\.why: /);
  });
});

describe('writeModel for an INT8 card', () => {
  it('writes the given graph as model.onnx beside the fp32 weights, and no local path on the card', async () => {
    const graph = new TextEncoder().encode('a quantized graph');
    const dir = path.join(root, 'int8');
    const local = { ...quantization, calibration: { count: 32, source: '/home/someone/calibration' } };
    const card = await writeModel(dir, { definition, weights, card: { ...int8, quantization: local }, onnx: graph });
    expect(new Uint8Array(await readFile(path.join(dir, 'model.onnx')))).toEqual(graph);
    expect(card.files.onnx.sha256).toBe(sha256(graph));
    expect(card.quantization!.calibration.source).toBe('calibration');
    const loaded = await loadModel(dir);
    expect(loaded.card).toEqual(card);
    expect([...loaded.weights.keys()].length).toBe(weights.size);
  });

  it('refuses an INT8 card without its graph and a graph for an fp32 card', async () => {
    await expect(writeModel(path.join(root, 'a'), { definition, weights, card: int8 })).rejects.toThrow('light-int8@1 is an INT8 card: write it with its quantized ONNX graph');
    await expect(writeModel(path.join(root, 'b'), { definition, weights, card: fp32, onnx: new Uint8Array(1) })).rejects.toThrow('light@1 is an fp32 card: its ONNX graph is exported from its weights');
  });
});

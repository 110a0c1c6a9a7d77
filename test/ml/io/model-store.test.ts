// writeModel / loadModel on a real (if narrow) AlbuNet: 22.7 M tensors' worth of files, written once and shared.
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeModel, type ModelCard, type ModelCardBody } from '../../../ml/io/model-card';
import { loadModel, writeModel, type ModelToWrite } from '../../../ml/io/model-store';
import { decodeWeights } from '../../../ml/io/weights-manifest';
import { createModel } from '../../../ml/models';
import { architectureStateDict } from '../../fixtures/architecture-state-dict';

const root = mkdtempSync(path.join(tmpdir(), 'pleura-model-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const definition = createModel('albunet', { nf: 4 });
const { values } = architectureStateDict(definition.graph, 7);
const body: ModelCardBody = describeModel(definition, {
  id: 'albunet',
  version: 'test-1',
  notes: 'test model',
  provenance: { source: 'training', file: null, sha256: null, importedAt: new Date().toISOString(), tool: 'pleura 0.1.0' },
  metrics: { dice: 0.5 },
});
const model: ModelToWrite = { definition, weights: values, card: body };

const dir = path.join(root, 'albunet');
let written: ModelCard;
beforeAll(async () => {
  written = await writeModel(dir, model);
});

/** Runs `check` with `file` of the shared model changed by `damage`, then puts the file back. */
async function withDamaged(file: string, damage: (target: string) => void, check: () => Promise<void>): Promise<void> {
  const target = path.join(dir, file);
  const original = readFileSync(target);
  try {
    damage(target);
    await check();
  } finally {
    writeFileSync(target, original);
  }
}

describe('writeModel / loadModel', () => {
  it('writes card.json, the TF.js weights and model.onnx, and nothing else', () => {
    expect(readdirSync(dir).sort()).toEqual(['card.json', 'model.onnx', 'weights.bin', 'weights.json']);
    expect(readdirSync(root)).toEqual(['albunet']);
    expect(JSON.parse(readFileSync(path.join(dir, 'card.json'), 'utf8'))).toEqual(written);
    expect(written.files.weights).toEqual({ path: 'weights.bin', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('loads back bit-identical weights, the card and the architecture', async () => {
    const loaded = await loadModel(dir);
    expect(loaded.card).toEqual(written);
    expect(loaded.definition.graph.params).toEqual(definition.graph.params);
    expect(loaded.onnxPath).toBe(path.join(dir, 'model.onnx'));
    expect([...loaded.weights.keys()]).toEqual(definition.graph.params.map((p) => p.name));
    for (const [name, data] of values) {
      expect(Buffer.from(loaded.weights.get(name)!.buffer).equals(Buffer.from(data.buffer)), name).toBe(true);
    }
  });

  it('stores weights TF.js reads with tf.io.decodeWeights, under PyTorch names and layouts', () => {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'weights.json'), 'utf8'));
    expect(manifest).toHaveLength(1);
    expect(manifest[0].paths).toEqual(['weights.bin']);
    expect(manifest[0].weights[0]).toEqual({ name: 'encoder.conv1.weight', shape: [64, 3, 7, 7], dtype: 'float32' });
    const bin = readFileSync(path.join(dir, 'weights.bin'));
    const decoded = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), manifest[0].weights);
    try {
      for (const name of ['encoder.conv1.weight', 'dec0.conv.weight', 'final.bias']) {
        expect(decoded[name].shape).toEqual(definition.graph.params.find((p) => p.name === name)!.shape);
        expect(Array.from(decoded[name].dataSync())).toEqual(Array.from(values.get(name)!));
      }
    } finally {
      tf.dispose(Object.values(decoded));
    }
  });

  it('names a file whose sha256 differs from the card', async () => {
    await withDamaged('weights.bin', (target) => {
      const bytes = readFileSync(target);
      bytes[1000] ^= 1;
      writeFileSync(target, bytes);
    }, async () => {
      await expect(loadModel(dir)).rejects.toThrow(`${path.join(dir, 'weights.bin')}: sha256 `);
      await expect(loadModel(dir)).rejects.toThrow(/differs from [0-9a-f]{64} in the card: the file was changed or damaged/);
    });
  });

  it('names a missing file, a card that is not JSON and a card field that is wrong', async () => {
    const onnx = path.join(dir, 'model.onnx');
    renameSync(onnx, `${onnx}.away`);
    try {
      await expect(loadModel(dir)).rejects.toThrow(`${onnx} is missing (card.json lists it)`);
    } finally {
      renameSync(`${onnx}.away`, onnx);
    }
    await withDamaged('card.json', (target) => writeFileSync(target, '{"format": "pleura-model",'), async () => {
      await expect(loadModel(dir)).rejects.toThrow(`${path.join(dir, 'card.json')} is not valid JSON: `);
    });
    await withDamaged('card.json', (target) => writeFileSync(target, JSON.stringify({ ...written, architecture: { ...written.architecture, options: { nf: 8 } } })), async () => {
      await expect(loadModel(dir)).rejects.toThrow(/card\.json: the card does not match albunet as built from its options: architecture\.parameters is 22691581/);
    });
    await expect(loadModel(root)).rejects.toThrow(`${path.join(root, 'card.json')} is missing (every Pleura model folder has one)`);
  });

  it('checks the manifest against the graph, naming each problem', () => {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'weights.json'), 'utf8'));
    const bin = readFileSync(path.join(dir, 'weights.bin'));
    manifest[0].weights.find((w: { name: string }) => w.name === 'final.bias').shape = [2];
    manifest[0].weights.push({ name: 'extra.weight', shape: [1], dtype: 'float32' });
    manifest[0].weights = manifest[0].weights.filter((w: { name: string }) => w.name !== 'dec0.conv.bias');
    expect(() => decodeWeights(definition.graph, manifest, bin, { source: 'm/weights.json' })).toThrow(
      'm/weights.json: the weights do not fit the model — final.bias is [2], the architecture wants [1]; '
        + 'extra.weight is not a tensor of this architecture; missing: dec0.conv.bias; '
        + `the tensors take ${bin.byteLength + 4 + 4 - 16} bytes, weights.bin holds ${bin.byteLength}`,
    );
    expect(() => decodeWeights(definition.graph, [{ paths: ['w.bin'], weights: [] }], bin)).toThrow('weights.json: expected one weights group stored in weights.bin, found [["w.bin"]]');
    expect(() => decodeWeights(definition.graph, [{ paths: ['weights.bin'], weights: [{ name: 'x', shape: [1], dtype: 'int32' }] }], bin)).toThrow(/weights\.json: not a float32 TF\.js weights manifest: 0\.weights\.0\.dtype: /);
  });
});

describe('writeModel is all or nothing', () => {
  it('leaves neither the target nor a partial folder when a write fails midway', async () => {
    const target = path.join(root, 'failing', 'model');
    const seen: string[] = [];
    const failOnOnnx = async (file: string, data: Uint8Array) => {
      seen.push(path.basename(file));
      if (file.endsWith('model.onnx')) throw new Error('disk full (simulated)');
      await writeFile(file, data);
    };
    await expect(writeModel(target, model, { writeFile: failOnOnnx })).rejects.toThrow('disk full (simulated)');
    expect(seen).toEqual(['weights.bin', 'weights.json', 'model.onnx']);
    expect(readdirSync(path.dirname(target))).toEqual([]);
  });

  it('checks the weights before writing anything', async () => {
    const target = path.join(root, 'short');
    const weights = new Map(values);
    weights.delete('final.bias');
    await expect(writeModel(target, { ...model, weights })).rejects.toThrow('weights lack final.bias [1]');
    const options = { ...body, architecture: { ...body.architecture, options: { nf: 8 } } };
    await expect(writeModel(target, { ...model, card: options })).rejects.toThrow('card.json: albunet built with {"nf":8} has other tensors than the model being written');
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(root).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('refuses to overwrite a folder that holds files unless asked, and fills an empty one', async () => {
    const target = path.join(root, 'occupied');
    mkdirSync(target);
    writeFileSync(path.join(target, 'notes.txt'), 'mine');
    await expect(writeModel(target, model)).rejects.toThrow(`${target} already holds files (notes.txt); refusing to overwrite it`);
    expect(readdirSync(target)).toEqual(['notes.txt']);
    await writeModel(target, model, { overwrite: true });
    expect(readdirSync(target).sort()).toEqual(['card.json', 'model.onnx', 'weights.bin', 'weights.json']);
    rmSync(target, { recursive: true });

    mkdirSync(target);
    await writeModel(target, model);
    expect((await loadModel(target)).card.files).toEqual(written.files);
    expect(readdirSync(root).filter((name) => name.startsWith('.'))).toEqual([]);
  });
});

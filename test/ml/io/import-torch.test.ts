// PyTorch weights into a model folder, from real torch.save zips (test/fixtures/torch-writer) of a whole AlbuNet
// (nf 4: the ResNet34 encoder is fixed, so 22.7 M values) with its shared encoder saved under both spellings.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importTorchModel } from '../../../ml/io/import-torch';
import { loadModel } from '../../../ml/io/model-store';
import type { NewModelOptions } from '../../../ml/io/new-model';
import { StateDictMismatchError } from '../../../ml/io/torch';
import { createModel } from '../../../ml/models';
import { architectureStateDict } from '../../fixtures/architecture-state-dict';
import { writeSafetensors } from '../../fixtures/safetensors-writer';
import { contiguous, writeTorchZip, type FixtureTensor } from '../../fixtures/torch-writer';

const root = mkdtempSync(path.join(tmpdir(), 'pleura-import-torch-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const graph = createModel('albunet', { nf: 4 }).graph;
const { tensors, values } = architectureStateDict(graph, 11);
const options: NewModelOptions = { arch: 'albunet', archOptions: { nf: 4 }, size: 256, version: 'v1', tool: 'pleura 0.1.0' };

function file(name: string, bytes: Uint8Array): string {
  const target = path.join(root, name);
  writeFileSync(target, bytes);
  return target;
}

let torchFile: string;
let torchBytes: Uint8Array;
beforeAll(() => {
  torchBytes = writeTorchZip(tensors, { archiveName: 'albunet_fold0', moduleMetadata: true });
  torchFile = file('albunet_fold0.pth', torchBytes);
});

describe('importTorchModel', () => {
  it('the fixture saves the shared encoder twice, as torch does', () => {
    expect(tensors.has('conv1.0.weight') && tensors.has('conv1.1.running_var') && tensors.has('conv5.2.bn2.num_batches_tracked')).toBe(true);
    expect(tensors.get('conv2.0.conv1.weight')!.storage).toBe(tensors.get('encoder.layer1.0.conv1.weight')!.storage);
  });

  it("imports a torch.save zip: the model's weights are the file's tensors, the card records the file", async () => {
    const out = path.join(root, 'imported');
    const card = await importTorchModel(torchFile, out, options);
    expect(card.provenance).toMatchObject({
      source: 'pytorch',
      file: 'albunet_fold0.pth',
      sha256: createHash('sha256').update(torchBytes).digest('hex'),
      tool: 'pleura 0.1.0',
    });
    expect(card).toMatchObject({ id: 'albunet', version: 'v1', input: { size: 256, normalisation: 'none' }, architecture: { options: { nf: 4 } } });
    expect(card.notes).toMatch(/not for clinical use/i);

    const loaded = await loadModel(out);
    expect(loaded.weights.size).toBe(values.size);
    for (const [name, data] of values) {
      expect(Buffer.from(loaded.weights.get(name)!.buffer).equals(Buffer.from(data.buffer)), name).toBe(true);
    }

    // The ONNX graph runs in onnxruntime and keeps the input's size.
    const session = await ort.InferenceSession.create(loaded.onnxPath);
    try {
      const image = new Float32Array(3 * 64 * 64).map((_, i) => ((i * 37) % 255) / 255);
      const { logits } = await session.run({ image: new ort.Tensor('float32', image, [1, 3, 64, 64]) });
      expect(logits.dims).toEqual([1, 1, 64, 64]);
      expect((logits.data as Float32Array).every(Number.isFinite)).toBe(true);
    } finally {
      await session.release();
    }
  });

  it('imports the same tensors from .safetensors, which holds each shared tensor once', async () => {
    const unique = [...tensors].filter(([name]) => !/^conv\d\./.test(name));
    const fixtures = new Map(unique.map(([name, t]) => [name, { dtype: t.storage.dtype, shape: t.shape, values: t.storage.values }]));
    const safetensors = file('albunet.safetensors', writeSafetensors(fixtures));
    const out = path.join(root, 'from-safetensors');
    const card = await importTorchModel(safetensors, out, { ...options, id: 'albunet-st' });
    expect(card.provenance.file).toBe('albunet.safetensors');
    const loaded = await loadModel(out);
    expect(Buffer.from(loaded.weights.get('dec1.block.2.conv.weight')!.buffer).equals(Buffer.from(values.get('dec1.block.2.conv.weight')!.buffer))).toBe(true);
  });

  it('names every missing key, unexpected key and wrong shape, and writes nothing', async () => {
    const faulty = new Map<string, FixtureTensor>(tensors);
    faulty.delete('final.bias');
    faulty.set('aux_head.weight', contiguous('float32', [2], [1, 2]));
    faulty.set('dec0.conv.weight', contiguous('float32', [4, 4, 1, 1], new Array(16).fill(0)));
    const bad = file('faulty.pth', writeTorchZip(faulty));
    const out = path.join(root, 'faulty');
    const error = await importTorchModel(bad, out, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateDictMismatchError);
    expect((error as Error).message).toBe('the weights do not fit the model — missing: final.bias; unexpected: aux_head.weight; '
      + 'shape mismatch: dec0.conv.weight is [4,4,1,1] in the file, the model wants [4,4,3,3]');
    expect(existsSync(out)).toBe(false);
  });

  it('refuses weights for another width of the same architecture, and files that are not weights', async () => {
    const out = path.join(root, 'wrong-width');
    await expect(importTorchModel(torchFile, out, { ...options, archOptions: { nf: 8 } })).rejects.toThrow(/shape mismatch: center\.block\.1\.conv\.weight is \[64,512,3,3\] in the file, the model wants \[128,512,3,3\]/);
    const text = file('notes.txt', new TextEncoder().encode('not weights at all'));
    await expect(importTorchModel(text, out, options)).rejects.toThrow(`${text}: not a PyTorch (torch.save) or safetensors weights file`);
    await expect(importTorchModel(torchFile, out, { ...options, size: 100 })).rejects.toThrow(/albunet needs height and width in multiples of 64, got 100x100/);
    expect(readdirSync(root).filter((name) => name.startsWith('.') || name === 'wrong-width')).toEqual([]);
  });
});

// Checks against PyTorch itself: reads a file torch.save wrote, and has torch.load read a file the fixture writer
// wrote. Needs /usr/bin/python3 with torch (Debian: python3-torch); skipped with a message where it is absent.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeWithTorch } from '../train/onnx/torch-reference';
import { readStateDictFile } from '../../../ml/io/torch';
import { contiguous, transposed, writeTorchZip, type FixtureTensor } from '../../fixtures/torch-writer';

const python = '/usr/bin/python3';
const script = path.join(import.meta.dirname, 'torch_roundtrip.py');

interface TorchJson {
  torch: string;
  tensors: Record<string, { shape: number[]; stride: number[]; dtype: string; values: number[] }>;
}

function runTorch(mode: 'save' | 'load', file: string): TorchJson {
  const result = spawnSync(python, [script, mode, file], { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`torch_roundtrip.py ${mode} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as TorchJson;
}

describeWithTorch('state dicts against a real PyTorch', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pleura-torch-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads what torch.save wrote (checkpoint dict, _metadata, DataParallel prefix, views, fp16/bf16/f64/int64)', async () => {
    const file = path.join(dir, 'saved by torch.pt');
    const { tensors } = runTorch('save', file);
    const sd = await readStateDictFile(file);
    expect([...sd.keys()]).toEqual(Object.keys(tensors).map((k) => k.replace(/^module\./, '')));
    for (const [name, t] of Object.entries(tensors)) {
      const ours = sd.get(name.replace(/^module\./, ''))!;
      expect({ name, dtype: ours.dtype, shape: ours.shape }).toEqual({ name, dtype: t.dtype, shape: t.shape });
      expect(Array.from(ours.data as ArrayLike<number | bigint>, Number)).toEqual(t.values);
    }
  });

  it('torch.load(weights_only=True) reads what the fixture writer wrote, strides included', () => {
    const base = [0, 1, 2, 3, 4, 5];
    const dict = new Map<string, FixtureTensor>([
      ['t', transposed(2, 3, 'float32', base)],
      ['h', contiguous('float16', [2], [0.5, -4])],
      ['n', contiguous('int64', [], [9n])],
    ]);
    const file = path.join(dir, 'written by pleura.pt');
    writeFileSync(file, writeTorchZip(dict, { archiveName: 'written by pleura' }));
    const { tensors } = runTorch('load', file);
    expect(tensors).toEqual({
      t: { shape: [3, 2], stride: [1, 3], dtype: 'float32', values: [0, 3, 1, 4, 2, 5] },
      h: { shape: [2], stride: [1], dtype: 'float16', values: [0.5, -4] },
      n: { shape: [], stride: [], dtype: 'int64', values: [9] },
    });
  });
});

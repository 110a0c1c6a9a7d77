import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readStateDict, readStateDictFile } from '../../../ml/io/torch';
import { writeSafetensors } from '../../fixtures/safetensors-writer';
import { contiguous, writeTorchZip } from '../../fixtures/torch-writer';

const dir = mkdtempSync(path.join(tmpdir(), 'pleura-state-dict-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readStateDictFile', () => {
  it('tells torch zips and safetensors apart by content, whatever the extension', async () => {
    const torchFile = path.join(dir, 'weights.bin');
    writeFileSync(torchFile, writeTorchZip(new Map([['w', contiguous('float16', [2], [1, 2])]])));
    const stFile = path.join(dir, 'weights.pth');
    // A 128-byte header length makes the first byte 0x80, which is also how a pickle starts.
    const oneTensor = (name: string): Uint8Array =>
      writeSafetensors(new Map([[name, { dtype: 'float32', shape: [1], values: [3] }]]));
    let name = 'w';
    while (oneTensor(name)[0] !== 0x80) name += 'x';
    writeFileSync(stFile, oneTensor(name));
    expect(Array.from((await readStateDictFile(torchFile)).get('w')!.data as Float32Array)).toEqual([1, 2]);
    expect(Array.from((await readStateDictFile(stFile)).get(name)!.data as Float32Array)).toEqual([3]);
  });

  it('names the file in its errors', async () => {
    const junk = path.join(dir, 'junk.pt');
    writeFileSync(junk, 'definitely not weights');
    await expect(readStateDictFile(junk)).rejects.toThrow(`${junk}: not a PyTorch (torch.save) or safetensors weights file`);
    expect(() => readStateDict(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0]))).toThrow(/the end of the zip \(its central directory\) is missing/);
  });
});

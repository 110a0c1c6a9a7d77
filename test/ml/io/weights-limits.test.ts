// Hostile sizes in weights files: zip entries that declare too much (alone, together, or against their compressed
// size), an entry that inflates past what it declares, a safetensors header past its cap, and a file past the cap,
// refused before it is read, as the user's error at the command line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importTorch } from '../../../main/cli/commands/import-torch';
import { readSafetensors, readStateDictFile, StateDictReadError } from '../../../ml/io/torch';
import { openZip } from '../../../ml/io/torch/zip';
import { MAX_WEIGHTS_FILE_BYTES, ZIP_LIMITS } from '../../../ml/io/weights-limits';
import { writeSparseZeros } from '../../fixtures/hostile-dicom';
import { writeSafetensors } from '../../fixtures/safetensors-writer';
import { writeZip } from '../../fixtures/torch-writer';
import { runCliCaptured } from '../../support/capture-cli';

const root = mkdtempSync(path.join(tmpdir(), 'pleura-weights-limits-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const entry = (name: string, bytes: number, deflate = false) => ({ name, data: new Uint8Array(bytes), deflate });

describe('zip entries', () => {
  it('refuses an entry that declares more than the cap on one entry', () => {
    expect(() => openZip(writeZip([entry('a/x', 100)]), { ...ZIP_LIMITS, entryBytes: 50 })).toThrow(
      new StateDictReadError('zip entry a/x declares 100 bytes, more than the 50 bytes Pleura reads from weights'));
  });

  it('refuses entries that declare more than the cap together', () => {
    expect(() => openZip(writeZip([entry('a/x', 40), entry('a/y', 40)]), { ...ZIP_LIMITS, entryBytes: 50, totalBytes: 60 })).toThrow(
      "the zip's entries declare 80 bytes together, more than the 60 bytes Pleura reads from weights");
  });

  it('refuses a deflated entry of the checked size that declares more than 100 bytes per compressed byte', () => {
    const limits = { ...ZIP_LIMITS, ratioFrom: 4096 };
    // 4095 zeros deflate to 20 bytes (about 200 to 1) but are below the size the ratio is checked from.
    expect(openZip(writeZip([entry('a/x', 4095, true)]), limits).read('a/x')).toHaveLength(4095);
    expect(() => openZip(writeZip([entry('a/x', 4096, true)]), limits)).toThrow(
      'zip entry a/x declares 4096 bytes from 20 compressed bytes, more than 100 to 1: a zip bomb, not weights');
  });

  it('stops inflating an entry at the size its directory declares', () => {
    const bytes = writeZip([entry('a/x', 1000, true)]);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const central = bytes.findIndex((_, i) => i + 4 <= bytes.length && view.getUint32(i, true) === 0x02014b50);
    view.setUint32(central + 24, 10, true);
    expect(() => openZip(bytes).read('a/x')).toThrow('zip entry a/x inflates past the 10 bytes its directory declares');
  });
});

describe('safetensors headers', () => {
  const tensors = new Map([['w', { dtype: 'float32' as const, shape: [2], values: [1, 2] }]]);

  it('refuses a header longer than the cap before decoding it', () => {
    const bytes = writeSafetensors(tensors);
    expect(() => readSafetensors(bytes, 16)).toThrow(/^not a safetensors file: the header claims \d+ bytes, more than the 16 safetensors allows$/);
    expect(readSafetensors(bytes).get('w')?.shape).toEqual([2]);
  });

  it("holds to safetensors' own cap of 100,000,000 bytes", () => {
    const bytes = writeSafetensors(tensors);
    new DataView(bytes.buffer, bytes.byteOffset).setBigUint64(0, 100_000_001n, true);
    expect(() => readSafetensors(bytes)).toThrow('not a safetensors file: the header claims 100000001 bytes, more than the 100000000 safetensors allows');
  });
});

describe('weights files', () => {
  const big = path.join(root, 'big.pt');

  it('refuses a file past the cap without reading it', async () => {
    await writeSparseZeros(big, MAX_WEIGHTS_FILE_BYTES + 1);
    const started = performance.now();
    await expect(readStateDictFile(big)).rejects.toThrow(
      new StateDictReadError(`${big}: the file holds 1073741825 bytes, more than the 1073741824 bytes Pleura reads as weights`));
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('says so at the command line, as the user\'s error and without a stack', async () => {
    await writeSparseZeros(big, MAX_WEIGHTS_FILE_BYTES + 1);
    const result = await runCliCaptured({ 'import-torch': importTorch }, 'import-torch', [big, '--arch', 'unet-light', '--out', path.join(root, 'out')]);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `pleura: ${big}: the file holds 1073741825 bytes, more than the 1073741824 bytes Pleura reads as weights\n`,
    });
  });
});

// `pleura predict` end to end: DICOM through the decode pool, model folders through inference workers, a float32
// .npy and a JSON line out; bad input exits non-zero with a clear message.
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { predict } from '../../../../main/cli/commands/predict';
import { decodeNpy } from '../../../../main/cli/npy';
import { CliUsageError } from '../../../../main/cli/run';
import { BROKEN } from '../../../fixtures/dicom-variants';
import { CLS_MODEL, writeSmallModel } from '../../../fixtures/small-models';
import { writeSyntheticDicom } from '../../../fixtures/synthetic-dicom';
import { runCliCaptured } from '../../../support/capture-cli';
import { describeWithSharedData, sharedFile } from '../../../support/shared-data';

const pleuraPredict = (...args: string[]) => runCliCaptured({ predict }, 'predict', args);

function readProbabilities(bytes: Uint8Array) {
  const npy = decodeNpy(bytes);
  return { ...npy, values: new Float32Array(npy.data.buffer) };
}

const dir = mkdtempSync(path.join(tmpdir(), 'pleura-predict-'));
const clsModel = path.join(dir, 'unet34cls');
const light = path.join(dir, 'unet-light');
const image = path.join(dir, 'image.dcm');

beforeAll(async () => {
  await writeSmallModel(clsModel, CLS_MODEL, 64);
  // a second member without a classification head: the light U-Net, the cheapest to write and load
  await writeSmallModel(light, { arch: 'unet-light', seed: 42 }, 128);
  const [rows, columns] = [40, 30];
  await writeSyntheticDicom(image, {
    patientId: 'PREDICT',
    studyUid: '1.9',
    seriesUid: '1.9.1',
    sopUid: '1.9.1.1',
    rows,
    columns,
    bitsStored: 12,
    pixels: Uint16Array.from({ length: rows * columns }, (_, i) => (i * 37) % 4096),
  });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pleura predict', () => {
  it('writes a weighted ensemble at the model size and reports both engines', async () => {
    const out = path.join(dir, 'ensemble.npy');
    const result = await pleuraPredict(image, '--model', clsModel, '--model', light, '--weights', '3,1', '--engine', 'tfjs', '--size', '64', '--model-size', '--out', out);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ shape: [64, 64], tta: 'hflip', out });
    expect(report.models.map((m: { arch: string; inputSize: number; weight: number }) => [m.arch, m.inputSize, m.weight])).toEqual([
      ['unet34cls', 64, 0.75],
      ['unet-light', 64, 0.25],
    ]);
    for (const m of report.models) expect(m.engine).toMatchObject({ engine: 'tfjs', backend: 'wasm' });
    // Only unet34cls has a classification head.
    expect(report.classifierProbability).toBeGreaterThan(0);
    expect(report.classifierProbability).toBeLessThan(1);
    const npy = readProbabilities(await readFile(out));
    expect([npy.descr, npy.shape]).toEqual(['<f4', [64, 64]]);
  });

  it('exits 1 naming the file when the DICOM cannot be decoded', async () => {
    const bad = path.join(dir, 'bad.dcm');
    await writeFile(bad, BROKEN['no-pixels.dcm'].bytes());
    const result = await pleuraPredict(bad, '--model', clsModel, '--out', path.join(dir, 'bad.npy'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^pleura: no-pixel-data: ${bad.replace(/[.]/g, '\\.')}: no Pixel Data`));
    const missing = await pleuraPredict(path.join(dir, 'absent.dcm'), '--model', clsModel, '--out', path.join(dir, 'bad.npy'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^pleura: unreadable: .*absent\.dcm: cannot read the file/);
  });

  it('exits 1 naming the model folder when a model cannot be loaded', async () => {
    const absent = path.join(dir, 'no-model');
    const result = await pleuraPredict(image, '--model', clsModel, '--model', absent, '--out', path.join(dir, 'x.npy'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^pleura: model: ${absent}: .*card\\.json is missing`));
  });

  it.each([
    [['--model', 'm'], 'give --out PROB.npy'],
    [['--model', 'm', '--out', 'o', '--engine', 'torch'], '--engine must be one of onnx, tfjs, got "torch"'],
    [['--model', 'm', '--out', 'o', '--tta', 'vflip'], '--tta must be one of none, hflip, got "vflip"'],
    [['--model', 'm', '--out', 'o', '--size', '64px'], '--size must be a positive whole number of pixels, got "64px"'],
    [['--model', 'm', '--model', 'n', '--out', 'o', '--weights', '1'], '--weights: 1 ensemble weights for 2 models'],
    [['--model', 'm', '--out', 'o', '--weights', 'a'], '--weights: ensemble weights must be finite and non-negative'],
  ])('refuses bad flags %j before doing any work', async (flags, message) => {
    await expect(pleuraPredict('x.dcm', ...flags)).rejects.toThrow(CliUsageError);
    await expect(pleuraPredict('x.dcm', ...flags)).rejects.toThrow(message);
  });
});

describeWithSharedData('pleura predict on a real SIIM radiograph', () => {
  it('writes float32 probabilities [1024, 1024] in [0, 1] with the classifier probability', async () => {
    const out = path.join(dir, 'siim.npy');
    const file = sharedFile('siim', '1.2.276.0.7230010.3.1.4.8323329.301.1517875162.280319.dcm');
    const result = await pleuraPredict(file, '--model', clsModel, '--out', out);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ file, shape: [1024, 1024], models: [{ arch: 'unet34cls', inputSize: 64, weight: 1, engine: { engine: 'onnx', backend: 'cpu' } }] });
    expect(Object.keys(report.timings).sort()).toEqual(['decodeMs', 'modelMs', 'postprocessMs', 'preprocessMs', 'totalMs']);
    expect(report.classifierProbability).toBeGreaterThan(0);
    expect(report.classifierProbability).toBeLessThan(1);
    const npy = readProbabilities(await readFile(out));
    expect([npy.descr, npy.shape]).toEqual(['<f4', [1024, 1024]]);
    let [low, high] = [Infinity, -Infinity];
    for (const v of npy.values) [low, high] = [Math.min(low, v), Math.max(high, v)];
    expect(low).toBeGreaterThanOrEqual(0);
    expect(high).toBeLessThanOrEqual(1);
    expect(high - low).toBeGreaterThan(0.01);
  });
});

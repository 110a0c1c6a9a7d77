// Issue 15's goal on the bundled demonstration model: an INT8 version calibrated on phantoms (seed 1515) flags as the
// fp32 model does on at least 39 of 40 fresh phantoms (seed 1540, drawn nowhere else) with a mean mask Dice of at
// least 0.95 against it, and its card holds exactly those figures; the folder then loads, runs on the onnx engine
// (TTA and an ensemble with its fp32 source included) and is refused by the TF.js engine, which would run its fp32
// weights instead.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inferRadiograph } from '../../../ml/infer';
import { cardPrecision, modelRef } from '../../../ml/io/model-card';
import { loadModel, readModelCard } from '../../../ml/io/model-store';
import { spawnEngine } from '../../../main/inference/engine-client';
import { disposeEnsemble, inferenceModels, loadEnsemble } from '../../../main/inference/load-ensemble';
import { toRadiograph } from '../../../main/inference/radiograph';
import { quantizeModelFolder, type QuantizeOutcome, type QuantizeProgress } from '../../../main/models/quantize-model';
import { writePhantomSet } from '../../../main/phantoms/write-set';
import { createDecodePool } from '../../../main/studies/decode-pool';

const demo = path.resolve('models/pleura-demo');
let root: string;
let calibration: string;
let fresh: string;
let out: string;
let outcome: QuantizeOutcome;
const phases: QuantizeProgress['phase'][] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'pleura-quantize-agreement-'));
  [calibration, fresh, out] = ['calibration', 'fresh', 'int8'].map((name) => path.join(root, name));
  // The films the demonstration model was scored at (512 × 512), half of them with a pneumothorax so that the masks' Dice is tested, not only empty ones.
  await writePhantomSet({ out: calibration, count: 24, seed: 1515, size: 512, positiveFraction: 0.5 });
  await writePhantomSet({ out: fresh, count: 40, seed: 1540, size: 512, positiveFraction: 0.5 });
  outcome = await quantizeModelFolder({
    modelDir: demo,
    calibration: { kind: 'dicom-folder', folder: calibration },
    holdout: fresh,
    out,
    dataDir: root,
    onProgress: ({ phase }) => phases.at(-1) !== phase && phases.push(phase),
  });
}, 300_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('the bundled model in INT8', () => {
  it('agrees with fp32 on the fresh phantoms: flags on at least 39 of 40, mean mask Dice at least 0.95', () => {
    const { agreement } = outcome.card.quantization;
    console.info(`INT8 pleura-demo against fp32 on 40 fresh phantoms: ${JSON.stringify(agreement)}; ${JSON.stringify(outcome.card.quantization.fp32Layers)}`);
    expect(agreement).toMatchObject({ images: 40, flagsTotal: 40, source: 'held-out folder fresh' });
    expect(agreement.flagsAgree).toBeGreaterThanOrEqual(39);
    expect(agreement.meanDice).toBeGreaterThanOrEqual(0.95);
    expect(agreement.maxProbabilityDifference).toBeLessThan(1);
  });

  it('writes a card that holds those figures, the calibration set and its source model, and no local path', async () => {
    const card = await readModelCard(out);
    expect(card).toEqual(outcome.card);
    const source = await readModelCard(demo);
    expect(card).toMatchObject({ id: 'pleura-demo-int8', version: source.version, precision: 'int8', thresholds: source.thresholds, input: source.input });
    expect(card.quantization).toMatchObject({ source: modelRef(source), calibration: { count: 24, source: 'calibration' }, activations: 'uint8 per tensor' });
    expect(card.quantization!.quantizedConvs).toBeGreaterThan(0);
    expect(card.notes.startsWith(source.notes)).toBe(true);
    expect(JSON.stringify(card)).not.toContain(root);
    expect(phases).toEqual(['reading', 'calibration', 'agreement', 'writing']);
    expect((await readdir(root)).sort()).toEqual(['calibration', 'fresh', 'int8']);
  });

  it('keeps the fp32 weights beside the INT8 graph, and loads as any model folder does', async () => {
    const [int8, fp32] = await Promise.all([loadModel(out), loadModel(demo)]);
    expect(cardPrecision(int8.card)).toBe('int8');
    expect([...int8.weights.keys()]).toEqual([...fp32.weights.keys()]);
    expect(int8.card.files.weights.sha256).toBe(fp32.card.files.weights.sha256);
    expect(int8.card.files.onnx.sha256).not.toBe(fp32.card.files.onnx.sha256);
  });

  it('runs with flip TTA in an ensemble beside its fp32 source on the onnx engine, and is refused by TF.js', async () => {
    const members = await loadEnsemble([out, demo], { engine: 'onnx', threads: 1 });
    const pool = createDecodePool({ size: 1 });
    try {
      const file = path.join(fresh, (await readdir(fresh)).find((name) => name.endsWith('.dcm'))!);
      const image = toRadiograph(await pool.decode(file));
      const models = inferenceModels(members, null);
      const both = await inferRadiograph(image, models, { tta: 'hflip' });
      const alone = await Promise.all(models.map((model) => inferRadiograph(image, [model], { tta: 'hflip' })));
      expect(both.probabilities.data.length).toBe(512 * 512);
      // The ensemble is the mean of its members' maps, the INT8 one included.
      const [int8Map, fp32Map] = alone.map((result) => result.probabilities.data);
      const worst = both.probabilities.data.reduce((most, p, i) => Math.max(most, Math.abs(p - (int8Map[i] + fp32Map[i]) / 2)), 0);
      expect(worst).toBeLessThan(1e-6);
      expect(int8Map).not.toEqual(fp32Map);
    } finally {
      await pool.close();
      await disposeEnsemble(members);
    }
    await expect(spawnEngine({ engine: 'tfjs', source: { dir: out } })).rejects.toThrow(/is an INT8 model: its quantized graph runs on the onnx engine only/);
  });
});

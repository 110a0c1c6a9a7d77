// The INT8 orchestration's own rules, on the bundled model and small phantom folders: 1 in 5 calibration images held
// out (never calibrated on) when no held-out folder is given, the agreement figures' arithmetic, hostile input named,
// and a cancel that leaves nothing behind.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inferRadiograph } from '../../../ml/infer';
import { toRadiograph } from '../../../main/inference/radiograph';
import { engineInput, evenlySpread, quantizeModelFolder, type QuantizeRequest } from '../../../main/models/quantize-model';
import { decodeEach } from '../../../main/training/data/decode-images';
import { summariseAgreement } from '../../../main/models/quantize-agreement';
import { writePhantomSet } from '../../../main/phantoms/write-set';
import { bundledDemo } from '../../fixtures/demo-model';

const { dir: demo, ref: demoRef, version } = await bundledDemo();
let root: string;
let ten: string;
const request = (change: Partial<QuantizeRequest>): QuantizeRequest => ({
  modelDir: demo,
  calibration: { kind: 'dicom-folder', folder: ten },
  out: path.join(root, 'out'),
  dataDir: root,
  threads: 1,
  ...change,
});

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'pleura-quantize-model-'));
  ten = path.join(root, 'ten');
  await writePhantomSet({ out: ten, count: 10, seed: 1516, size: 256, positiveFraction: 0.5 });
}, 60_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('the agreement figures', () => {
  it('are the mean and lowest Dice, the flags that agree and the largest difference', () => {
    const figures = [
      { dice: 1, flagsAgree: true, maxProbabilityDifference: 0.01 },
      { dice: 0.5, flagsAgree: false, maxProbabilityDifference: 0.25 },
      { dice: 0.9, flagsAgree: true, maxProbabilityDifference: 0.125 },
      { dice: 0.6, flagsAgree: true, maxProbabilityDifference: 0 },
    ];
    expect(summariseAgreement(figures)).toEqual({ images: 4, meanDice: 0.75, minDice: 0.5, flagsAgree: 3, flagsTotal: 4, maxProbabilityDifference: 0.25 });
    expect(() => summariseAgreement([])).toThrow('at least one held-out image');
  });

  it('read at most the cap of files, evenly spread', () => {
    expect(evenlySpread([1, 2, 3], 5)).toEqual([1, 2, 3]);
    expect(evenlySpread([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 4)).toEqual([0, 2, 5, 7]);
  });
});

describe('a calibration image', () => {
  it('is exactly what inference feeds the engine for the plain view, at any size and normalisation', async () => {
    const decoded: Parameters<Parameters<typeof decodeEach>[1]>[0][] = [];
    await decodeEach([path.join(ten, (await readdir(ten)).find((name) => name.endsWith('.dcm'))!)], (image) => decoded.push(image), (_, error) => {
      throw error;
    });
    const [{ decoded: image, plane }] = decoded;
    for (const input of [{ size: 64, normalisation: 'imagenet' as const }, { size: 256, normalisation: 'none' as const }]) {
      let fed: Float32Array | null = null;
      // An engine that keeps what it was given: what inference feeds is the subject here, not what a model makes of it.
      const engine = {
        predict: async (batch: Float32Array, n: number, h: number, w: number) => {
          fed = batch.slice();
          return { logits: new Float32Array(n * h * w) };
        },
      };
      await inferRadiograph(toRadiograph(image), [{ engine, inputSize: { rows: input.size, columns: input.size }, normalisation: input.normalisation }], { tta: 'none' });
      expect(engineInput(plane, input)).toEqual({ data: fed, height: input.size, width: input.size });
    }
  });
});

describe('an INT8 version without a held-out folder', () => {
  it('holds 1 in 5 of the calibration images out for the agreement and calibrates on the rest', async () => {
    const { card } = await quantizeModelFolder(request({ method: 'minmax', id: 'demo-small', version: 'v1' }));
    expect(card).toMatchObject({ id: 'demo-small', version: 'v1', precision: 'int8' });
    expect(card.quantization).toMatchObject({ method: 'minmax', percentile: null, calibration: { count: 8, source: 'ten' } });
    expect(card.quantization.agreement).toMatchObject({ images: 2, flagsTotal: 2, source: '1 in 5 of the calibration images (2, never calibrated on)' });
  }, 120_000);

  it('needs at least five usable images to hold one out, or a held-out folder', async () => {
    const four = path.join(root, 'four');
    await writePhantomSet({ out: four, count: 4, seed: 1517, size: 256, positiveFraction: 0.5 });
    await expect(quantizeModelFolder(request({ calibration: { kind: 'dicom-folder', folder: four }, out: path.join(root, 'x') }))).rejects.toThrow(
      `${four} has 4 usable images: too few to hold 1 in 5 out for the agreement figures; give at least 5, or a held-out folder`,
    );
  }, 60_000);
});

describe('hostile input', () => {
  it('names the folder and what is wrong with it before any work', async () => {
    const fresh = (change: Partial<QuantizeRequest>) => request({ out: path.join(root, 'never'), ...change });
    const notes = path.join(root, 'notes');
    await mkdir(notes);
    await writeFile(path.join(notes, 'readme.txt'), 'no images here');
    await expect(quantizeModelFolder(fresh({ calibration: { kind: 'dicom-folder', folder: notes } }))).rejects.toThrow(
      `${notes} holds no usable image (1 file read; not an image (skipped, as the scan skips it)): it takes frontal chest radiographs (CR or DX) as DICOM files`,
    );
    await expect(quantizeModelFolder(fresh({ calibration: { kind: 'dicom-folder', folder: path.join(root, 'gone') } }))).rejects.toThrow(
      `the calibration folder "${path.join(root, 'gone')}" does not exist`,
    );
    const file = path.join(notes, 'readme.txt');
    await expect(quantizeModelFolder(fresh({ holdout: file }))).rejects.toThrow(`the held-out folder "${file}" is a file, not a folder of images`);
    await expect(quantizeModelFolder(fresh({ holdout: ten }))).rejects.toThrow(`${ten} holds no usable image that was not also calibrated on`);
    await expect(quantizeModelFolder(fresh({ id: 'a@b' }))).rejects.toThrow(`"a@b@${version}" is not a model reference`);
    await expect(quantizeModelFolder(fresh({ modelDir: path.join(root, 'out') }))).rejects.toThrow(`demo-small@v1 is already an INT8 model (made from ${demoRef})`);
    await expect(quantizeModelFolder(request({}))).rejects.toThrow(/out already holds files/);
    expect(await readdir(root)).not.toContain('never');
  }, 60_000);
});

describe('a cancel', () => {
  it('stops the work and leaves nothing behind', async () => {
    const controller = new AbortController();
    const out = path.join(root, 'cancelled');
    const run = quantizeModelFolder(
      request({
        out,
        signal: controller.signal,
        onProgress: ({ phase, done }) => phase === 'calibration' && done === 2 && controller.abort(),
      }),
    );
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect((await readdir(root)).filter((name) => name.includes('cancelled'))).toEqual([]);
  }, 60_000);
});

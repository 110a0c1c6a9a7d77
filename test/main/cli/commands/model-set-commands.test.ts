// Model sets end to end: `pleura models make-set` from tiny random-weight models (two unet34cls classifiers, two
// light U-Nets) and labelled phantoms, installed as one unit, then `pleura predict` and `pleura triage` with it.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { models } from '../../../../main/cli/commands/models';
import { predict } from '../../../../main/cli/commands/predict';
import { triage } from '../../../../main/cli/commands/triage';
import { decodeNpy } from '../../../../main/cli/npy';
import { writePhantomSet } from '../../../../main/phantoms/write-set';
import type { TriagedImage, TriageReport } from '../../../../main/triage/report';
import { stackedProbability } from '../../../../ml/infer';
import { cardWithoutLocalPaths } from '../../../../ml/io/local-paths';
import { CARD_FILE } from '../../../../ml/io/model-card';
import type { ModelSetCard } from '../../../../ml/io/model-set';
import { readModelCard } from '../../../../ml/io/model-store';
import { CLS_MODEL, writeSmallModel } from '../../../fixtures/small-models';
import { runCliCaptured } from '../../../support/capture-cli';

const cli = (name: string, ...args: string[]) => runCliCaptured({ models, predict, triage }, name, args);

const root = mkdtempSync(path.join(tmpdir(), 'pleura-model-sets-'));
const dataDir = path.join(root, 'data');
const [clsA, clsB, segA, segB] = ['cls-a', 'cls-b', 'seg-a', 'seg-b'].map((name) => path.join(root, 'models', name));
const phantoms = path.join(root, 'phantoms');
const labels = path.join(phantoms, 'train-rle.csv');
const twoStage = path.join(root, 'two-stage');
const average = path.join(root, 'average');

beforeAll(async () => {
  vi.stubEnv('PLEURA_DATA_DIR', dataDir);
  await writeSmallModel(clsA, CLS_MODEL, 64);
  await writeSmallModel(clsB, { ...CLS_MODEL, seed: 43 }, 64);
  await writeSmallModel(segA, { arch: 'unet-light', seed: 1 }, 64);
  await writeSmallModel(segB, { arch: 'unet-light', seed: 2 }, 64);
  await writePhantomSet({ out: phantoms, count: 9, seed: 3, size: 64, positiveFraction: 0.5 });
}, 180_000);
afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(root, { recursive: true, force: true });
});

const readSet = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'set.json'), 'utf8')) as ModelSetCard;
const readReport = async (out: string) => JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as TriageReport;
const triagedImages = (report: TriageReport) => report.images.filter((image): image is TriagedImage => image.status === 'ok');
const probabilities = async (file: string) => new Float32Array(decodeNpy(await readFile(file)).data.buffer);

describe('pleura models make-set', () => {
  it('fits the two-stage set\'s meta-model out-of-fold on held-out phantoms, writes one card and installs the set as one unit', async () => {
    const result = await cli(
      'models', 'make-set', '--combine', 'two-stage', '--classifier', clsA, '--classifier', clsB, '--segmentation', segA, '--segmentation', segB, '--weights', '3,1',
      '--data', phantoms, '--labels', labels, '--folds', '3', '--out', twoStage, '--id', 'stack', '--model-version', '1', '--install', '--set-current',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({
      set: 'stack@1', combine: 'two-stage', installed: path.join(dataDir, 'models', 'stack@1'), current: true,
      members: [
        { ref: 'test-unet34cls@41', role: 'classifier', weight: null },
        { ref: 'test-unet34cls@43', role: 'classifier', weight: null },
        { ref: 'test-unet-light@1', role: 'segmentation', weight: 3 },
        { ref: 'test-unet-light@2', role: 'segmentation', weight: 1 },
      ],
      fit: { images: 9, folds: 3, seed: 0, ridge: 0.01, predictions: 'held-out-folder', data: 'dicom-folder phantoms (train-rle.csv)' },
    });
    expect(summary.fit.metaModel.weights).toHaveLength(2);
    for (const value of Object.values(summary.fit.outOfFold as Record<string, number>)) expect(value).toBeGreaterThanOrEqual(0);
    const card = readSet(twoStage);
    expect(card.combination).toMatchObject({ kind: 'two-stage', maskThreshold: 0.5 });
    expect(JSON.stringify(card)).not.toContain(root);

    const list = await cli('models', 'list');
    expect(list.stdout).toBe('* stack@1  set two-stage: test-unet34cls@41 classifier, test-unet34cls@43 classifier, test-unet-light@1 segmentation ×3, test-unet-light@2 segmentation ×1\n');
  }, 180_000);

  it('makes an average set judged by the 3rd place\'s rule', async () => {
    const result = await cli('models', 'make-set', '--combine', 'average', '--segmentation', segA, '--segmentation', segB, '--weights', '3,1', '--preset', 'third-place', '--out', average, '--id', 'mean', '--model-version', '1');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(readSet(average).combination).toEqual({ kind: 'average', thresholds: { kind: 'seeded-threshold', seedThreshold: 0.5, maskThreshold: 0.5, maxEmptyArea: 0, preset: 'third-place' } });
  }, 60_000);

  it('refuses what cannot make a set, with the reason', async () => {
    const makeSet = (...args: string[]) => cli('models', 'make-set', '--out', path.join(root, 'x'), '--id', 'x', '--model-version', '1', ...args);
    await expect(makeSet('--combine', 'two-stage', '--segmentation', segA)).rejects.toThrow('a two-stage set needs at least one --classifier MODELDIR');
    await expect(makeSet('--combine', 'average', '--segmentation', segA, '--weights', '1,2')).rejects.toThrow('--weights takes one weight above 0 and at most 100 per --segmentation model (1), got "1,2"');
    await expect(makeSet('--combine', 'average', '--segmentation', segA, '--data', phantoms)).rejects.toThrow('an average set fits nothing');
    await expect(makeSet('--combine', 'vote', '--segmentation', segA)).rejects.toThrow('--combine must be average or two-stage, got "vote"');
    await expect(makeSet('--combine', 'two-stage', '--classifier', clsA, '--segmentation', segA, '--preset', 'third-place')).rejects.toThrow('a two-stage set takes no --preset');
    await expect(cli('models', 'make-set', '--out', 'x', '--id', '../up', '--model-version', '1', '--combine', 'average', '--segmentation', segA)).rejects.toThrow('"../up@1" is not a model reference');
    // A classifier whose card says it was trained on these phantoms: its predictions there are not out-of-fold.
    // (clsA's files under such a card: the refusal reads the card alone, and a copy costs no new model.)
    const trainedDir = path.join(root, 'models', 'trained');
    cpSync(clsA, trainedDir, { recursive: true });
    const card = await readModelCard(clsA);
    const trained = { ...card, version: '44', provenance: { ...card.provenance, source: 'training' }, metrics: { data: { source: `dicom-folder ${phantoms} (train-rle.csv)` } } };
    writeFileSync(path.join(trainedDir, CARD_FILE), JSON.stringify(cardWithoutLocalPaths(trained)));
    expect(await makeSet('--combine', 'two-stage', '--classifier', trainedDir, '--segmentation', segA, '--data', phantoms, '--labels', labels)).toMatchObject({
      code: 1,
      stderr: `pleura: make-set: ${trainedDir}: test-unet34cls@44 was trained on dicom-folder phantoms (train-rle.csv): its predictions there are not out-of-fold; give labelled images it did not train on\n`,
    });
    const headless = await makeSet('--combine', 'two-stage', '--classifier', segA, '--segmentation', segB, '--data', phantoms, '--labels', labels, '--folds', '2');
    expect(headless).toMatchObject({ code: 1, stderr: `pleura: make-set: ${segA}: test-unet-light@1 (unet-light) has no classification head (cls_logit), so it cannot be a classifier of the set\n` });
  }, 60_000);
});

describe('running a set', () => {
  it('predict: P(pneumothorax) is the meta-model over each classifier\'s own P(non-empty), the map the segmenters\' weighted average', async () => {
    const image = path.join(phantoms, readdirDicom()[0]);
    const run = async (name: string, ...models: string[]) => {
      const out = path.join(root, `${name}.npy`);
      const result = await cli('predict', image, ...models.flatMap((m) => ['--model', m]), ...(models.length === 2 ? ['--weights', '3,1'] : []), '--out', out);
      expect(result.stderr).toBe('');
      return { report: JSON.parse(result.stdout), map: await probabilities(out) };
    };
    const set = await run('set', twoStage);
    const [a, b] = [await run('a', clsA), await run('b', clsB)];
    const { metaModel } = readSet(twoStage).combination as Extract<ModelSetCard['combination'], { kind: 'two-stage' }>;
    expect(set.report.units).toEqual(['stack@1']);
    expect(set.report.classifierProbability).toBeCloseTo(stackedProbability(metaModel, [a.report.classifierProbability, b.report.classifierProbability]), 6);
    const segmenters = await run('segmenters', segA, segB);
    expect(set.map).toEqual(segmenters.map);
  }, 120_000);

  it('triage with the current two-stage set: an image is drawn only where the stacked classifiers pass it', async () => {
    const out = path.join(root, 'triage-set');
    const result = await cli('triage', phantoms, '--out', out);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch('pleura: using the current model set stack@1 (two-stage: test-unet34cls@41, test-unet34cls@43, test-unet-light@1, test-unet-light@2)');
    expect(JSON.parse(result.stdout)).toMatchObject({ units: ['stack@1'], triaged: 9 });
    const report = await readReport(out);
    const { metaModel } = readSet(twoStage).combination as Extract<ModelSetCard['combination'], { kind: 'two-stage' }>;
    expect(report.ruleSource).toEqual({ kind: 'card', model: 'stack@1' });
    expect(report.rule).toEqual({ kind: 'classifier-gate', minNonEmptyProbability: metaModel.threshold, strongThreshold: 0.5, minStrongArea: 0, maskThreshold: 0.5 });
    for (const image of triagedImages(report)) {
      if (image.nonEmptyProbability! < metaModel.threshold) {
        expect(image).toMatchObject({ flag: 'not-flagged', areaPixels: 0, heldBack: { kind: 'classifier', minimum: metaModel.threshold } });
      } else {
        expect(image.flag).toBe(image.areaPixels > 0 ? 'positive' : 'not-flagged');
      }
    }

    // The same set with its threshold at 1: no image passes the classifier stage, none is drawn.
    const card = readSet(twoStage);
    writeFileSync(path.join(twoStage, 'set.json'), JSON.stringify({ ...card, combination: { ...card.combination, metaModel: { ...metaModel, threshold: 1 } } }));
    const closed = path.join(root, 'triage-closed');
    expect((await cli('triage', phantoms, '--out', closed, '--model', twoStage)).code).toBe(0);
    for (const image of triagedImages(await readReport(closed))) expect(image).toMatchObject({ flag: 'not-flagged', areaPixels: 0, heldBack: { kind: 'classifier' } });
  }, 180_000);

  it('triage with an average set flags as the same weighted ensemble of its members does', async () => {
    const [setOut, plainOut] = [path.join(root, 'triage-average'), path.join(root, 'triage-plain')];
    expect((await cli('triage', phantoms, '--out', setOut, '--model', average)).code).toBe(0);
    expect((await cli('triage', phantoms, '--out', plainOut, '--model', segA, '--model', segB, '--weights', '3,1', '--preset', 'third-place')).code).toBe(0);
    const flags = async (out: string) => triagedImages(await readReport(out)).map((image) => [image.sopInstanceUid, image.flag, image.areaPixels, image.maxProbability]);
    expect(await flags(setOut)).toEqual(await flags(plainOut));
  }, 120_000);

  it('refuses to average a two-stage set with other models', async () => {
    const result = await cli('triage', phantoms, '--out', path.join(root, 'mixed'), '--model', twoStage, '--model', segA);
    expect(result).toMatchObject({ code: 1, stderr: 'pleura: model: stack@1 is a two-stage model set: its classifiers decide whether an image is drawn at all, so it runs alone and cannot be averaged with test-unet-light@1\n' });
  });
});

function readdirDicom(): string[] {
  const table = readFileSync(path.join(phantoms, 'phantoms.json'), 'utf8');
  return (JSON.parse(table) as { images: { file: string }[] }).images.map((image) => image.file);
}

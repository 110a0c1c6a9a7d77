// The model set format: set.json as the set's one card (hostile ones refused field by field), member folders inside
// the set, written at once and checked member by member when read.
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelFolderError } from '../../../ml/io/model-folder-error';
import {
  isModelSet, MAX_SET_FILE_BYTES, memberDir, parseModelSetCard, readModelSet, readModelSetCard, SET_FILE, setEnsemble, setRule, TWO_STAGE_MASK_THRESHOLD, verifyModelSet,
  writeModelSet, type ModelSetCard,
} from '../../../ml/io/model-set';
import { defaultThresholds } from '../../../ml/io/model-card';
import { rulePresets } from '../../../ml/post/rules';
import { writeSmallModel } from '../../fixtures/small-models';

const hash = 'a'.repeat(64);
const base = { format: 'pleura-model-set', formatVersion: 1, id: 'stack', version: '1', createdAt: '2026-01-01T00:00:00Z', tool: 'pleura 0.1.0', notes: '' } as const;
const fit = {
  data: 'dicom-folder phantoms (train-rle.csv)', images: 12, positives: 4, folds: 3, seed: 0, ridge: 0.01, predictions: 'held-out-folder',
  outOfFold: { auc: 0.9, sensitivity: 0.75, specificity: 0.875, accuracy: 0.83, logLoss: 0.4 },
} as const;
const twoStage: ModelSetCard = {
  ...base,
  members: [
    { id: 'cls-a', version: '1', role: 'classifier', weight: null, cardSha256: hash },
    { id: 'seg', version: '1', role: 'segmentation', weight: 2, cardSha256: hash },
    { id: 'cls-b', version: '1', role: 'classifier', weight: null, cardSha256: hash },
  ],
  combination: { kind: 'two-stage', metaModel: { weights: [1.5, -0.5], bias: -0.25, threshold: 0.4 }, maskThreshold: 0.5, fit },
};

const issues = (value: unknown) => {
  try {
    parseModelSetCard(value, 'set.json');
    return 'valid';
  } catch (error) {
    return (error as Error).message;
  }
};

describe('the set card', () => {
  it('reads a two-stage set: the stacking over the classifiers in card order, the map from the segmenters, the gate as the rule', () => {
    const card = parseModelSetCard(twoStage);
    expect(setEnsemble(card)).toEqual({ weights: [0, 2, 0], stacking: { classifiers: [0, 2], meta: { weights: [1.5, -0.5], bias: -0.25 } } });
    expect(setRule(card)).toEqual({ kind: 'classifier-gate', minNonEmptyProbability: 0.4, strongThreshold: 0.5, minStrongArea: 0, maskThreshold: 0.5 });
    expect(TWO_STAGE_MASK_THRESHOLD).toBe(0.5);
  });

  it('reads an average set with its own rule', () => {
    const card = parseModelSetCard({ ...base, members: [{ id: 'seg', version: '1', role: 'segmentation', weight: 1, cardSha256: hash }], combination: { kind: 'average', thresholds: defaultThresholds() } });
    expect(setEnsemble(card)).toEqual({ weights: [1], stacking: null });
    expect(setRule(card)).toMatchObject({ kind: 'triple-threshold', top: 0.75, minArea: 2000, bottom: 0.3, minRegionArea: 100 });
  });

  it('refuses hostile cards, naming each offending field', () => {
    const [clsA, seg, clsB] = twoStage.members;
    expect(issues({ ...twoStage, format: 'pleura-model' })).toMatch('format: ');
    expect(issues({ ...twoStage, extra: 1 })).toMatch(/Unrecognized key.*"extra"/);
    expect(issues({ ...twoStage, id: '../../etc' })).toMatch('id: expected 1 to 64 letters');
    expect(issues({ ...twoStage, members: [clsA, seg, { ...clsB, version: '..' }] })).toMatch('members.2.version: expected 1 to 64 letters');
    expect(issues({ ...twoStage, members: [clsA, seg, clsA] })).toMatch('members.2: cls-a@1 is listed twice');
    expect(issues({ ...twoStage, members: [{ ...clsA, weight: 1 }, seg, clsB] })).toMatch('members.0.weight: a segmentation member has a weight, a classifier none');
    expect(issues({ ...twoStage, members: [clsA, seg, { ...clsB, cardSha256: 'x' }] })).toMatch('members.2.cardSha256: expected a sha256');
    expect(issues({ ...twoStage, members: [clsA, seg] })).toMatch('combination.metaModel.weights: one weight per classifier member: 1');
    expect(issues({ ...twoStage, members: [seg], combination: { ...twoStage.combination, metaModel: { weights: [], bias: 0, threshold: 0.5 } } })).toMatch('a two-stage set needs at least one classifier and one segmentation member');
    expect(issues({ ...twoStage, combination: { kind: 'average', thresholds: defaultThresholds() } })).toMatch('members: an average set has segmentation members only');
    expect(issues({ ...twoStage, combination: { ...twoStage.combination, maskThreshold: 1.5 } })).toMatch('combination.maskThreshold: ');
    expect(issues({ ...twoStage, combination: { ...twoStage.combination, fit: { ...fit, positives: 13 } } })).toMatch('combination.fit.positives: more positives than images');
    expect(issues({ ...twoStage, combination: { ...twoStage.combination, fit: { ...fit, predictions: 'trust me' } } })).toMatch('combination.fit.predictions: ');
    expect(issues({ ...twoStage, members: Array.from({ length: 17 }, (_, k) => ({ ...seg, id: `s${k}` })) })).toMatch('members: ');
    expect(issues({ ...twoStage, combination: { kind: 'vote' } })).toMatch('combination.kind: ');
  });
});

describe('set folders', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'pleura-model-set-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const [segA, segB] = [path.join(root, 'seg-a'), path.join(root, 'seg-b')];
  const out = path.join(root, 'set');
  const averageCard = { ...base, combination: { kind: 'average' as const, thresholds: { ...rulePresets['third-place'], preset: 'third-place' } } };

  beforeAll(async () => {
    await writeSmallModel(segA, { arch: 'unet-light', seed: 1 }, 64);
    await writeSmallModel(segB, { arch: 'unet-light', seed: 2 }, 64);
  }, 60_000);

  it('writes the members inside the set and reads them back, each member card checked against its hash', async () => {
    const written = await writeModelSet(out, { card: averageCard, members: [{ dir: segA, role: 'segmentation', weight: 3 }, { dir: segB, role: 'segmentation', weight: 1 }] });
    expect(written.members.map((m) => [m.id, m.version, m.weight])).toEqual([['test-unet-light', '1', 3], ['test-unet-light', '2', 1]]);
    expect(await isModelSet(out)).toBe(true);
    expect(await isModelSet(segA)).toBe(false);
    const { card, members } = await verifyModelSet(out);
    expect(card).toEqual(written);
    expect(members.map((m) => memberDir(out, m))).toEqual([path.join(out, 'members', 'test-unet-light@1'), path.join(out, 'members', 'test-unet-light@2')]);
    expect(members[0].card.architecture.name).toBe('unet-light');
  });

  it('refuses a member that was changed, a classifier without a head, an occupied target and an oversized card', async () => {
    const memberCard = path.join(memberDir(out, { id: 'test-unet-light', version: '2' }), 'card.json');
    await appendFile(memberCard, ' ');
    await expect(readModelSet(out)).rejects.toThrow(/card.json: its sha256 differs from the one in set.json: the member was changed or replaced/);
    await expect(writeModelSet(path.join(root, 'two'), { card: { ...base, combination: twoStage.combination }, members: [{ dir: segA, role: 'classifier', weight: null }, { dir: segB, role: 'segmentation', weight: 1 }] })).rejects.toThrow(
      /test-unet-light@1 \(unet-light\) has no classification head \(cls_logit\), so it cannot be a classifier of the set/,
    );
    await expect(writeModelSet(out, { card: averageCard, members: [{ dir: segA, role: 'segmentation', weight: 1 }] })).rejects.toThrow(/already holds files/);

    const big = path.join(root, 'big');
    await mkdir(big);
    writeFileSync(path.join(big, SET_FILE), ' '.repeat(MAX_SET_FILE_BYTES + 1));
    await expect(readModelSetCard(big)).rejects.toThrow(`is ${MAX_SET_FILE_BYTES + 1} bytes; a model set card is at most ${MAX_SET_FILE_BYTES}`);
    await writeFile(path.join(big, SET_FILE), '{"format":');
    await expect(readModelSetCard(big)).rejects.toThrow(/set.json is not valid JSON/);
    await expect(readModelSetCard(root)).rejects.toThrow(ModelFolderError);
    const linked = path.join(root, 'linked');
    await mkdir(linked);
    symlinkSync('/dev/zero', path.join(linked, SET_FILE));
    await expect(readModelSetCard(linked)).rejects.toThrow('set.json is not a plain file (a link or a folder); refusing to read it');
  });
});

// Installed models in a data directory and the current-model pointer, on real model folders (the light U-Net: what
// the library does with a folder does not depend on the architecture, and its files copy and hash in milliseconds).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultThresholds, describeModel } from '../../../ml/io/model-card';
import { writeModelSet } from '../../../ml/io/model-set';
import { writeModel } from '../../../ml/io/model-store';
import { createModel } from '../../../ml/models';
import { createModelLibrary } from '../../../main/models/model-library';
import { architectureStateDict } from '../../fixtures/architecture-state-dict';
import { writeSmallModel } from '../../fixtures/small-models';

const root = mkdtempSync(path.join(tmpdir(), 'pleura-model-library-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const dataDir = path.join(root, 'data');
const library = createModelLibrary(dataDir);
const models = path.join(dataDir, 'models');

/** Source folders v1 and v2 of one light U-Net (same weights, different versions), written outside the data dir. */
const source = (version: string) => path.join(root, 'src', version);
beforeAll(async () => {
  const definition = createModel('unet-light');
  const { values } = architectureStateDict(definition.graph, 3);
  for (const version of ['v1', 'v2']) {
    const card = describeModel(definition, {
      id: 'base',
      version,
      notes: 'test model',
      provenance: { source: 'random-init', file: null, sha256: null, importedAt: new Date().toISOString(), tool: 'pleura 0.1.0' },
    });
    await writeModel(source(version), { definition, weights: values, card });
  }
});

describe('model library', () => {
  it('starts empty, with no current model', async () => {
    expect(await library.listModels()).toEqual([]);
    expect(await library.currentModel()).toBeNull();
  });

  it('installs a verified copy under <dataDir>/models/<id>@<version>', async () => {
    const installed = await library.installModel(source('v1'));
    expect(installed.ref).toBe('base@v1');
    expect(installed.dir).toBe(path.join(models, 'base@v1'));
    for (const name of ['card.json', 'weights.json', 'weights.bin', 'model.onnx']) {
      expect(readFileSync(path.join(installed.dir, name)).equals(readFileSync(path.join(source('v1'), name))), name).toBe(true);
    }
    await library.installModel(source('v2'));
    expect(readdirSync(models).sort()).toEqual(['base@v1', 'base@v2']);
    await expect(library.installModel(source('v1'))).rejects.toThrow(`${path.join(models, 'base@v1')} already holds files`);
  });

  it('refuses to install a damaged folder, leaving nothing behind', async () => {
    const damaged = path.join(root, 'src', 'damaged');
    mkdirSync(damaged);
    for (const name of ['card.json', 'weights.json', 'model.onnx']) writeFileSync(path.join(damaged, name), readFileSync(path.join(source('v1'), name)));
    writeFileSync(path.join(damaged, 'weights.bin'), 'truncated');
    await expect(library.installModel(damaged)).rejects.toThrow(`${path.join(damaged, 'weights.bin')}: sha256 `);
    expect(readdirSync(models).sort()).toEqual(['base@v1', 'base@v2']);
  });

  it('refuses a card whose id or version would climb out of the models folder, writing nothing', async () => {
    for (const [field, value] of [['id', '../../escaped'], ['version', '..'], ['id', 'a/b'], ['version', 'x\\y'], ['id', '.hidden']]) {
      const hostile = path.join(root, 'src', `hostile-${field}`);
      rmSync(hostile, { recursive: true, force: true });
      mkdirSync(hostile);
      for (const name of ['weights.json', 'weights.bin', 'model.onnx']) writeFileSync(path.join(hostile, name), readFileSync(path.join(source('v1'), name)));
      const card = JSON.parse(readFileSync(path.join(source('v1'), 'card.json'), 'utf8'));
      writeFileSync(path.join(hostile, 'card.json'), JSON.stringify({ ...card, [field]: value }));
      await expect(library.installModel(hostile), `${field} ${value}`).rejects.toThrow(`${field}: expected`);
    }
    expect(readdirSync(models).sort()).toEqual(['base@v1', 'base@v2']);
    expect(readdirSync(dataDir).sort()).toEqual(['models']);
    expect(readdirSync(root).sort()).toEqual(['data', 'src']);
  });

  it('never installs through a link planted where the model folder goes', async () => {
    const outside = path.join(root, 'outside');
    mkdirSync(outside);
    const planted = path.join(models, 'base@v3');
    symlinkSync(outside, planted);
    const v3 = path.join(root, 'src', 'v3');
    mkdirSync(v3);
    for (const name of ['weights.json', 'weights.bin', 'model.onnx']) writeFileSync(path.join(v3, name), readFileSync(path.join(source('v1'), name)));
    writeFileSync(path.join(v3, 'card.json'), JSON.stringify({ ...JSON.parse(readFileSync(path.join(source('v1'), 'card.json'), 'utf8')), version: 'v3' }));
    await expect(library.installModel(v3)).rejects.toThrow(`${planted} is a link; refusing to publish a folder through it`);
    expect(readdirSync(outside)).toEqual([]);
    expect(readdirSync(models).filter((name) => name.startsWith('.'))).toEqual([]);
    rmSync(planted);
    rmSync(outside, { recursive: true });
  });

  it('switches the current pointer between installed versions, one rename each', async () => {
    await library.setCurrent('base@v1');
    expect((await library.currentModel())?.ref).toBe('base@v1');
    await library.setCurrent('base@v2');
    const current = await library.currentModel();
    expect(current).toMatchObject({ ref: 'base@v2', dir: path.join(models, 'base@v2'), card: { version: 'v2' } });
    expect(JSON.parse(readFileSync(path.join(models, 'current.json'), 'utf8'))).toEqual({ model: 'base@v2', setAt: expect.any(String) });
    expect(readdirSync(models).sort()).toEqual(['base@v1', 'base@v2', 'current.json']);
    expect((await library.listModels()).map((m) => [m.ref, m.current])).toEqual([['base@v1', false], ['base@v2', true]]);
  });

  it('refuses to point at what is not installed, keeping the pointer', async () => {
    await expect(library.setCurrent('base@v3')).rejects.toThrow(`base@v3 is not installed in ${models}; installed: base@v1, base@v2`);
    await expect(library.setCurrent('../base@v1')).rejects.toThrow('"../base@v1" is not a model reference');
    expect((await library.currentModel())?.ref).toBe('base@v2');
  });

  it('lists a broken folder with its error, and names a broken pointer', async () => {
    const stray = path.join(models, 'base@v9');
    mkdirSync(stray);
    const entry = (await library.listModels()).find((m) => m.ref === 'base@v9');
    expect(entry).toMatchObject({ card: null, error: `${path.join(stray, 'card.json')} is missing (every Pleura model folder has one)` });
    writeFileSync(path.join(stray, 'card.json'), readFileSync(path.join(source('v1'), 'card.json')));
    expect((await library.listModels()).find((m) => m.ref === 'base@v9')?.error).toBe(`${path.join(stray, 'card.json')} describes base@v1, not base@v9`);

    const pointer = path.join(models, 'current.json');
    writeFileSync(pointer, JSON.stringify({ model: 'base@v9', setAt: new Date().toISOString() }));
    await expect(library.currentModel()).rejects.toThrow(`${pointer} names base@v9, which cannot be used: ${path.join(stray, 'card.json')} describes base@v1`);
    writeFileSync(pointer, '{"model": ');
    await expect(library.currentModel()).rejects.toThrow(`${pointer} is not valid JSON`);
    expect((await library.listModels()).every((m) => !m.current)).toBe(true);
    rmSync(stray, { recursive: true });
  });
});

describe('model sets in the library', () => {
  const setData = path.join(root, 'set-data');
  const sets = createModelLibrary(setData);
  const setDir = path.join(root, 'src', 'mean-set');

  beforeAll(async () => {
    const members = [path.join(root, 'src', 'light-1'), path.join(root, 'src', 'light-2')];
    await writeSmallModel(members[0], { arch: 'unet-light', seed: 1 }, 64);
    await writeSmallModel(members[1], { arch: 'unet-light', seed: 2 }, 64);
    await writeModelSet(setDir, {
      card: { format: 'pleura-model-set', formatVersion: 1, id: 'mean', version: '1', createdAt: new Date().toISOString(), tool: 'pleura 0.1.0', notes: '', combination: { kind: 'average', thresholds: defaultThresholds() } },
      members: members.map((dir) => ({ dir, role: 'segmentation' as const, weight: 1 })),
    });
  }, 60_000);

  it('installs a set as one folder, lists it once and makes it current as a unit', async () => {
    const installed = await sets.installUnit(setDir);
    expect(installed).toMatchObject({ ref: 'mean@1', dir: path.join(setData, 'models', 'mean@1'), set: { id: 'mean' } });
    expect(readdirSync(path.join(setData, 'models'))).toEqual(['mean@1']);
    expect(readdirSync(path.join(installed.dir, 'members')).sort()).toEqual(['test-unet-light@1', 'test-unet-light@2']);
    const listing = await sets.listModels();
    expect(listing.map((m) => [m.ref, m.card, m.error, m.set?.combination.kind])).toEqual([['mean@1', null, null, 'average']]);

    await expect(sets.setCurrent('mean@1')).rejects.toThrow('mean@1 is a model set (several models and how they combine), not one model');
    await sets.setCurrentUnit('mean@1');
    expect(await sets.currentUnit()).toMatchObject({ ref: 'mean@1', set: { version: '1' }, members: [{ id: 'test-unet-light', version: '1' }, { id: 'test-unet-light', version: '2' }] });
    await expect(sets.currentModel()).rejects.toThrow('mean@1 is a model set');
    await expect(sets.installModel(setDir)).rejects.toThrow(`${setDir} is a model set (several models and how they combine), not one model`);
    await expect(sets.installUnit(setDir)).rejects.toThrow('already holds files');
  });

  it('lists an installed set whose member was swapped as unusable', async () => {
    const member = path.join(setData, 'models', 'mean@1', 'members', 'test-unet-light@2', 'card.json');
    writeFileSync(member, `${readFileSync(member, 'utf8')} `);
    const [entry] = await sets.listModels();
    expect(entry).toMatchObject({ ref: 'mean@1', card: null, error: `${member}: its sha256 differs from the one in set.json: the member was changed or replaced` });
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cardWithoutLocalPaths, withoutLocalPaths } from '../../../ml/io/local-paths';
import { loadModel, writeModel } from '../../../ml/io/model-store';
import { NARROW_ALBUNET, smallModelToWrite } from '../../fixtures/small-models';

describe('paths in a model card', () => {
  it('cuts absolute paths to their last part', () => {
    expect(withoutLocalPaths('dicom-folder /tmp/pleura-default-model/train (train-rle.csv)')).toBe('dicom-folder train (train-rle.csv)');
    expect(withoutLocalPaths('reviewed labels in /home/ana/.config/Pleura')).toBe('reviewed labels in Pleura');
    expect(withoutLocalPaths('png-pairs ~/data/siim/')).toBe('png-pairs siim');
    expect(withoutLocalPaths('dicom-folder C:\\Users\\ana\\siim (train-rle.csv)')).toBe('dicom-folder siim (train-rle.csv)');
    expect(withoutLocalPaths('from \\\\server\\share\\films')).toBe('from films');
    expect(withoutLocalPaths('"/Users/ana/x.csv"')).toBe('"x.csv"');
  });

  it('leaves text that only looks like one alone', () => {
    for (const text of ['BCE:Dice:focal 1:1:1', 'a share of 0.8 / 0.6', 'and/or', 'TP/FP 3/4', 'pleura 0.1.0', '2026-11-28T07:21:55.640Z', 'dicom-folder siim (train-rle.csv)']) {
      expect(withoutLocalPaths(text)).toBe(text);
    }
  });

  it('reaches every string of the card, at any depth, and nothing else', () => {
    const card = { notes: 'Trained on /data/siim', metrics: { data: { source: 'dicom-folder /data/siim (x.csv)', images: 3, missing: ['/data/siim/1.dcm'] } }, size: 256 };
    expect(cardWithoutLocalPaths(card)).toEqual({ notes: 'Trained on siim', metrics: { data: { source: 'dicom-folder siim (x.csv)', images: 3, missing: ['1.dcm'] } }, size: 256 });
  });

  it('never reach card.json: writeModel writes the card without them, and the model still loads and verifies', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pleura-card-paths-'));
    try {
      const model = smallModelToWrite(NARROW_ALBUNET, 64);
      const home = path.join(tmpdir(), 'home', 'dev');
      model.card = { ...model.card, notes: `Trained on ${home}/siim`, metrics: { data: { source: `dicom-folder ${home}/siim (train-rle.csv)` } } };
      await writeModel(path.join(dir, 'model'), model);
      const written = readFileSync(path.join(dir, 'model', 'card.json'), 'utf8');
      expect(written).not.toContain(home);
      const { card } = await loadModel(path.join(dir, 'model'));
      expect(card.notes).toBe('Trained on siim');
      expect(card.metrics).toEqual({ data: { source: 'dicom-folder siim (train-rle.csv)' } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('are gone from the bundled demonstration model\'s card, whose files still verify', async () => {
    const dir = path.join(import.meta.dirname, '../../../models/pleura-demo');
    expect(readFileSync(path.join(dir, 'card.json'), 'utf8')).not.toMatch(/"(\/|~\/|[A-Za-z]:\\)/);
    expect(readFileSync(path.join(dir, 'card.json'), 'utf8')).not.toMatch(/ \/(tmp|home|Users|root)\//);
    const { card } = await loadModel(dir);
    expect(card.metrics?.data).toMatchObject({ source: 'dicom-folder train (train-rle.csv)' });
  });
});

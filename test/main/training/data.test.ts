// The three training sources: a DICOM folder with a SIIM mask table, PNG pairs, and the label store.
import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTrainingSet } from '../../../main/training/data';
import { loadUnlabelled } from '../../../main/training/data/unlabelled';
import { indexPath } from '../../../main/services/data-dir';
import { StudyIndex } from '../../../main/studies/index-db';
import { runScan } from '../../../main/studies/scanner';
import { labelMask, listLabels, saveLabel } from '../../../main/labels/label-store';
import { writePhantomSet } from '../../../main/phantoms/write-set';
import type { TrainingItem } from '../../../ml/train/dataset';
import { splitItems } from '../../../ml/train/folds';
import { writeSyntheticDicom } from '../../fixtures/synthetic-dicom';
import { writeTrainingFolder, type TrainingFolder } from '../../fixtures/training-folder';

let root: string;
let siim: TrainingFolder;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'pleura-data-'));
  siim = await writeTrainingFolder(root, 4, 64);
  // One film the table does not list, and one table row no file carries.
  await writeSyntheticDicom(path.join(siim.folder, 'extra.dcm'), { patientId: 'X', studyUid: '1.9.1', seriesUid: '1.9.2', sopUid: '1.9.3', rows: 64, columns: 64 });
  await appendFile(siim.labels, '1.2.3.404, -1\n');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('a DICOM folder with a SIIM mask table', () => {
  it('decodes, resizes once and counts what it skipped and missed', async () => {
    const set = await loadTrainingSet({ kind: 'dicom-folder', folder: siim.folder, labels: siim.labels }, 32, root);
    expect(set.items.map((i) => i.id)).toEqual([...siim.sopUids].sort());
    expect(set.items.every((i) => i.image.rows === 32 && i.mask.columns === 32)).toBe(true);
    expect(set.items.map((i) => i.patientId).sort()).toEqual(['P0', 'P0', 'P1', 'P1']);
    expect(set.summary).toMatchObject({ images: 4, positives: 2, patients: 2, skipped: 1, missing: ['1.2.3.404'] });
    // The bright rectangle is the mask: positives' masked pixels are brighter than the rest.
    const positive = set.items.find((i) => i.positive)!;
    const mean = (select: (m: number) => boolean) => {
      const values = [...positive.image.data].filter((_, k) => select(positive.mask.data[k]));
      return values.reduce((s, v) => s + v, 0) / values.length;
    };
    expect(mean((m) => m === 1)).toBeGreaterThan(mean((m) => m === 0) + 50);
  });

  it('orders its items by patient, then image: a phantom set written again under fresh UIDs trains on the same order and split', async () => {
    // The demonstration model's recipe writes its phantoms anew on each run, with new UIDs; ordered by UID, two runs
    // of it split and sampled differently and trained different models.
    const load = async (name: string) => {
      const set = await writePhantomSet({ out: path.join(root, name), count: 8, seed: 77, size: 64, positiveFraction: 0.5 });
      return (await loadTrainingSet({ kind: 'dicom-folder', folder: set.out, labels: path.join(set.out, 'train-rle.csv') }, 32, root)).items;
    };
    const [first, again] = [await load('phantoms-a'), await load('phantoms-b')];
    expect(first.map((i) => i.id)).not.toEqual(again.map((i) => i.id));
    const patients = Array.from({ length: 8 }, (_, k) => `PHANTOM-77-000${k + 1}`);
    expect(first.map((i) => i.patientId)).toEqual(patients);
    expect(again.map((i) => i.patientId)).toEqual(patients);
    expect(again.map((i) => [...i.image.data])).toEqual(first.map((i) => [...i.image.data]));
    const validation = (items: TrainingItem[]) => splitItems(items, 4, 0, 2019).validation.map((i) => i.patientId);
    expect(validation(again)).toEqual(validation(first));
  });

  it('rejects a mask that does not fit its image, naming the image', async () => {
    const labels = path.join(root, 'bad.csv');
    await writeFile(labels, `ImageId, EncodedPixels\n${siim.sopUids[1]}, 5000 10\n`);
    await expect(loadTrainingSet({ kind: 'dicom-folder', folder: siim.folder, labels }, 32, root)).rejects.toThrow(new RegExp(siim.sopUids[1].replace(/\./g, '\\.')));
  });
});

describe('PNG pairs', () => {
  const writePng = async (file: string, width: number, height: number, value: (i: number) => number) => {
    const png = new PNG({ width, height });
    for (let i = 0; i < width * height; i++) png.data.set([value(i), value(i), value(i), 255], i * 4);
    await writeFile(file, PNG.sync.write(png));
  };

  it('reads images/NAME.png with masks/NAME.png and rejects a mask of another size, naming the image', async () => {
    const folder = path.join(root, 'png');
    await mkdir(path.join(folder, 'images'), { recursive: true });
    await mkdir(path.join(folder, 'masks'), { recursive: true });
    await writePng(path.join(folder, 'images', 'a.png'), 64, 64, (i) => i % 256);
    await writePng(path.join(folder, 'masks', 'a.png'), 64, 64, (i) => (i < 128 ? 255 : 0));
    await writePng(path.join(folder, 'images', 'unlabelled.png'), 64, 64, () => 9);
    const set = await loadTrainingSet({ kind: 'png-pairs', folder }, 32, root);
    expect(set.items.map((i) => i.id)).toEqual(['a']);
    expect(set.items[0].positive).toBe(true);
    expect(set.summary.skipped).toBe(1);
    await writePng(path.join(folder, 'masks', 'b.png'), 32, 64, () => 0);
    await writePng(path.join(folder, 'images', 'b.png'), 64, 64, () => 0);
    await expect(loadTrainingSet({ kind: 'png-pairs', folder }, 32, root)).rejects.toThrow(/^b: the label is 32x64 \(width x height\) but the image is 64x64/);
  });

  it('refuses a FIFO named like a PNG without blocking, and a PNG that claims to be huge before decoding it', async () => {
    const folder = path.join(root, 'png-hostile');
    await mkdir(path.join(folder, 'images'), { recursive: true });
    await mkdir(path.join(folder, 'masks'), { recursive: true });
    await writePng(path.join(folder, 'masks', 'a.png'), 64, 64, () => 0);
    execFileSync('mkfifo', [path.join(folder, 'images', 'a.png')]);
    await expect(loadTrainingSet({ kind: 'png-pairs', folder }, 32, root)).rejects.toThrow(`${path.join(folder, 'images', 'a.png')} is a FIFO (named pipe), not a regular file`);
    await rm(path.join(folder, 'images', 'a.png'));
    // A real 64 x 64 PNG whose header says 100000 x 100000 (pngjs would allocate 40 GB for it).
    const png = Buffer.from(PNG.sync.write(new PNG({ width: 64, height: 64 })));
    png.writeUInt32BE(100_000, 16);
    png.writeUInt32BE(100_000, 20);
    await writeFile(path.join(folder, 'images', 'a.png'), png);
    await expect(loadTrainingSet({ kind: 'png-pairs', folder }, 32, root)).rejects.toThrow(/images\/a\.png: not a readable PNG: it is 100000 x 100000 pixels; at most 8192 a side is read/);
  });

  it('explains the expected layout when a folder is missing', async () => {
    await expect(loadTrainingSet({ kind: 'png-pairs', folder: siim.folder }, 32, root)).rejects.toThrow(/no images\/ folder; PNG pairs are FOLDER\/images\/NAME\.png/);
  });
});

describe('reviewed studies (the label store)', () => {
  it('saves labels as SIIM run-length JSON and trains on them; an image gone is listed as missing', async () => {
    const dataDir = path.join(root, 'data');
    const mask = { rows: 64, columns: 64, data: new Uint8Array(64 * 64).fill(1, 0, 200) };
    for (const [k, sop] of siim.sopUids.slice(0, 2).entries()) {
      await saveLabel(dataDir, { sopInstanceUid: sop, studyInstanceUid: `1.5.${k}`, patientId: `R${k}`, imagePath: path.join(siim.folder, `${sop}.dcm`), reviewer: 'dr-a', decision: 'edited', mask });
    }
    await saveLabel(dataDir, { sopInstanceUid: '1.5.99', studyInstanceUid: '1.5.98', patientId: null, imagePath: path.join(root, 'gone.dcm'), reviewer: 'dr-a', decision: 'edited', mask });
    const records = await listLabels(dataDir);
    expect(records).toHaveLength(3);
    expect(labelMask(records[0]).data).toEqual(mask.data);
    expect(records[0]).toMatchObject({ format: 'pleura-label', rows: 64, columns: 64, reviewer: 'dr-a' });
    const set = await loadTrainingSet({ kind: 'reviewed' }, 32, dataDir);
    expect(set.items.map((i) => i.patientId).sort()).toEqual(['R0', 'R1']);
    expect(set.summary.missing).toEqual([path.join(root, 'gone.dcm')]);
  });

  it('rejects a reviewed label of another size than its image, naming the image', async () => {
    const dataDir = path.join(root, 'data-bad');
    const sop = siim.sopUids[0];
    await saveLabel(dataDir, { sopInstanceUid: sop, studyInstanceUid: '1.6', patientId: 'Q', imagePath: path.join(siim.folder, `${sop}.dcm`), reviewer: 'dr-b', decision: 'edited', mask: { rows: 32, columns: 32, data: new Uint8Array(1024) } });
    await expect(loadTrainingSet({ kind: 'reviewed' }, 32, dataDir)).rejects.toThrow(new RegExp(`^${sop.replace(/\./g, '\\.')}: the label is 32x32`));
  });
});

describe("the workstation's own studies without a reviewed mask (unlabelled data)", () => {
  it('reads what the index holds, minus the reviewed images, and refuses a data directory never scanned', async () => {
    const dataDir = path.join(root, 'local');
    await expect(loadUnlabelled({ kind: 'local-studies' }, 32, dataDir)).rejects.toThrow(/no study index/);
    await mkdir(dataDir, { recursive: true });
    const index = StudyIndex.open(indexPath(dataDir));
    try {
      await runScan(index, { root: siim.folder, scanId: 'unlabelled' });
    } finally {
      index.close();
    }
    const [reviewed] = siim.sopUids;
    await saveLabel(dataDir, { sopInstanceUid: reviewed, studyInstanceUid: '1.7', patientId: 'P0', imagePath: path.join(siim.folder, `${reviewed}.dcm`), reviewer: 'dr-a', decision: 'edited', mask: { rows: 64, columns: 64, data: new Uint8Array(64 * 64) } });
    const set = await loadUnlabelled({ kind: 'local-studies' }, 32, dataDir);
    const ids = set.items.map((item) => item.id);
    expect(ids).not.toContain(reviewed);
    expect(ids).toEqual(expect.arrayContaining(siim.sopUids.slice(1)));
    expect(set.items.every((item) => item.image.rows === 32 && item.image.columns === 32)).toBe(true);
  });
});

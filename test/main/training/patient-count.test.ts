// Data too small for the folds, counted before a run starts and said in plain words.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countPatients, patientShortfall } from '../../../main/training/data/patient-count';
import { writePngPairs } from '../../fixtures/png-pairs';

const root = mkdtempSync(path.join(tmpdir(), 'pleura-patients-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('patientShortfall', () => {
  const reviewed = (patients: number) => ({ patients, needs: 'reviewed images', has: `you have ${patients}` });
  it('asks for one patient per fold', () => {
    expect(patientShortfall(reviewed(5), 5)).toBeNull();
    expect(patientShortfall(reviewed(2), 2)).toBeNull();
    expect(patientShortfall(reviewed(3), 5)).toBe(
      'Training needs reviewed images of at least 5 patients (split by patient into 5 folds, one held out to compare the new model with the current one); you have 3.',
    );
  });
});

describe('countPatients', () => {
  it('counts PNG pairs that have both files, and the images a mask table lists', async () => {
    const folder = writePngPairs(path.join(root, 'pngs'), 4, 16);
    rmSync(path.join(folder, 'masks', 'image-003.png'));
    expect(await countPatients({ kind: 'png-pairs', folder }, root)).toMatchObject({ patients: 3, has: 'the folder has 3 (each pair counts as a patient)' });
    const labels = path.join(root, 'labels.csv');
    writeFileSync(labels, 'ImageId,EncodedPixels\n1.2.1,-1\n1.2.2,1 3\n1.2.2,7 2\n');
    expect(await countPatients({ kind: 'dicom-folder', folder: root, labels }, root)).toMatchObject({ patients: 2, has: 'the mask table lists 2 images' });
  });

  it('finds no reviewed images in a data directory without labels', async () => {
    expect(await countPatients({ kind: 'reviewed' }, root)).toEqual({ patients: 0, needs: 'reviewed images', has: 'you have 0' });
  });
});

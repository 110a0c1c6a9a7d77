// The patients a training source holds, counted before a run starts and without decoding an image, so that data
// too small for the folds is refused in plain words instead of failing in the trainer's worker. Each count is an
// upper bound (a label without a patient ID, a PNG pair and a mask-table image each count as a patient of their
// own): the trainer's own split by the decoded patient IDs stays the last check.
import type { TrainingData } from '../../api/contract';
import { listLabels } from '../../labels/label-store';
import { readMaskTableFile } from '../../fs/read-mask-table';
import { pngListing } from './png-pairs';

/** The count, what the data must hold ("reviewed images") and what it holds, in words. */
export type PatientCount = { patients: number; needs: string; has: string };

export async function countPatients(data: TrainingData, dataDir: string): Promise<PatientCount> {
  switch (data.kind) {
    case 'reviewed': {
      const records = await listLabels(dataDir);
      const patients = new Set(records.map((record) => record.patientId ?? record.sopInstanceUid)).size;
      return { patients, needs: 'reviewed images', has: `you have ${patients}` };
    }
    case 'png-pairs': {
      const { images, masks } = await pngListing(data.folder);
      const maskSet = new Set(masks);
      const patients = images.filter((name) => maskSet.has(name)).length;
      return { patients, needs: 'image/mask pairs', has: `the folder has ${patients} (each pair counts as a patient)` };
    }
    case 'dicom-folder': {
      const patients = (await readMaskTableFile(data.labels)).size;
      return { patients, needs: 'images', has: `the mask table lists ${patients} image${patients === 1 ? '' : 's'}` };
    }
  }
}

/** Why the data cannot be split by patient into `folds` folds (the first held out for the comparison), or null. */
export function patientShortfall({ patients, needs, has }: PatientCount, folds: number): string | null {
  if (patients >= folds) return null;
  return `Training needs ${needs} of at least ${folds} patients (split by patient into ${folds} folds, one held out to compare the new model with the current one); ${has}.`;
}

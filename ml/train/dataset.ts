// A training set in memory: every image already decoded, scaled to 8 bits and resized to the training size once,
// with its mask, so epochs never decode again. Loading from DICOM, PNG or the label store happens in main/; this
// module only checks and shapes what they found.
import { resizeBilinear, type Plane } from '../preprocess';
import type { Mask, Size } from '../post';

export type TrainingItem = {
  /** SIIM ImageId (the SOP Instance UID) or the file's name: how errors and listings name it */
  id: string;
  /** the fold grouping: images of one patient never straddle training and validation */
  patientId: string;
  /** 8-bit values (0–255) at size x size */
  image: Plane;
  /** 0/1 at size x size */
  mask: Mask;
  positive: boolean;
};

/** An image without a label at the training size (semi-supervised learning): 8-bit values, as an item's image. */
export type UnlabelledItem = { id: string; patientId: string; image: Plane };

export type DataSummary = {
  /** what the data came from, e.g. "dicom-folder /data/siim (train-rle.csv)" */
  source: string;
  images: number;
  positives: number;
  patients: number;
  /** images found that the label table does not list (not used) */
  skipped: number;
  /** images the label table lists that were not found */
  missing: string[];
};

export type TrainingSet = { size: number; items: TrainingItem[]; summary: DataSummary };

/**
 * The order every loader leaves its items in: by patient, then by image. It decides the fold split and the
 * sampler's draws, so it must not hang on UIDs alone: a phantom set written again with the same seed has the same
 * images and patients under fresh UIDs, and ordered by UID it trained a different model (the demonstration model's
 * recipe was not reproducible until this order).
 */
export function byPatientThenId(a: Pick<TrainingItem, 'id' | 'patientId'>, b: Pick<TrainingItem, 'id' | 'patientId'>): number {
  return compareText(a.patientId, b.patientId) || compareText(a.id, b.id);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class LabelError extends Error {
  override name = 'LabelError';
}

/** A found image and its label at the image's own size. */
export type LabelledImage = { id: string; patientId: string; image: Plane; mask: Mask };

/** Rejects a label whose size is not its image's, naming the image: a shifted or transposed mask would teach noise. */
export function checkLabelFits(id: string, image: Size, mask: Size): void {
  if (image.rows !== mask.rows || image.columns !== mask.columns) {
    throw new LabelError(
      `${id}: the label is ${mask.columns}x${mask.rows} (width x height) but the image is ${image.columns}x${image.rows}; a label must match its image`,
    );
  }
}

/** The item at the training size: bilinear for the image, nearest for the mask (science.md's rule for masks). */
export function toTrainingItem({ id, patientId, image, mask }: LabelledImage, size: number): TrainingItem {
  checkLabelFits(id, image, mask);
  const resizedMask = resizeMaskNearest(mask, size, size);
  return {
    id,
    patientId,
    image: image.rows === size && image.columns === size ? image : resizeBilinear(image, size, size),
    mask: resizedMask,
    positive: resizedMask.data.includes(1),
  };
}

export function resizeMaskNearest(mask: Mask, rows: number, columns: number): Mask {
  if (mask.rows === rows && mask.columns === columns) return mask;
  const data = new Uint8Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    // Pixel centres: destination centre (r + 0.5) maps to source row floor((r + 0.5) * scale).
    const sr = Math.min(mask.rows - 1, Math.floor(((r + 0.5) * mask.rows) / rows));
    for (let c = 0; c < columns; c++) {
      const sc = Math.min(mask.columns - 1, Math.floor(((c + 0.5) * mask.columns) / columns));
      data[r * columns + c] = mask.data[sr * mask.columns + sc];
    }
  }
  return { rows, columns, data };
}

export function summarise(source: string, items: readonly TrainingItem[], extra: Pick<DataSummary, 'skipped' | 'missing'>): DataSummary {
  return {
    source,
    images: items.length,
    positives: items.filter((item) => item.positive).length,
    patients: new Set(items.map((item) => item.patientId)).size,
    ...extra,
  };
}

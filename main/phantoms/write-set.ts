// A phantom set on disk: N DICOM files, the SIIM mask table train-rle.csv (ImageId = SOP Instance UID) and
// phantoms.json, published all at once (filled in a temporary folder, then renamed into place).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeRle } from '../../ml/post';
import { renderPhantom } from '../../ml/phantoms';
import { checkReplaceable, publishFolder } from '../../ml/io/atomic-folder';
import { newUid, phantomDicom } from './dicom';

export interface PhantomSetOptions {
  out: string;
  count: number;
  seed: number;
  size: number;
  positiveFraction: number;
  /** share of negatives with a pleura-like edge and no pneumothorax (ml/phantoms); default 0 */
  edgeMimicFraction?: number;
  /** replace a folder that already holds files */
  force?: boolean;
  onImage?: (done: number, count: number) => void;
}

export interface PhantomRecord {
  file: string;
  imageId: string;
  patientId: string;
  seed: number;
  positive: boolean;
  side: 'left' | 'right' | null;
  area: number;
}

export interface PhantomSetSummary {
  out: string;
  seed: number;
  count: number;
  size: number;
  positiveFraction: number;
  positives: number;
  images: PhantomRecord[];
}

/** Phantom k of a set drawn with `seed` (each its own seed, so one image can be re-rendered alone). */
export function phantomSeed(seed: number, index: number): number {
  return (Math.imul(seed >>> 0, 2654435761) + Math.imul(index + 1, 40503)) >>> 0;
}

export async function writePhantomSet(options: PhantomSetOptions): Promise<PhantomSetSummary> {
  const { out, count, seed, size, positiveFraction } = options;
  await checkReplaceable(out, options.force);
  const images: PhantomRecord[] = [];
  const rows = ['ImageId, EncodedPixels'];
  await publishFolder(
    out,
    async (temp) => {
      for (let k = 0; k < count; k++) {
        const imageSeed = phantomSeed(seed, k);
        const phantom = renderPhantom(imageSeed, { rows: size, positiveFraction, edgeMimicFraction: options.edgeMimicFraction });
        const sopInstanceUid = newUid();
        const patientId = `PHANTOM-${String(seed)}-${String(k + 1).padStart(4, '0')}`;
        const file = `${String(k + 1).padStart(4, '0')}.dcm`;
        const bytes = await phantomDicom({ image: phantom.image, number: k + 1, patientId, studyUid: newUid(), seriesUid: newUid(), sopInstanceUid, seed: imageSeed });
        await writeFile(path.join(temp, file), bytes);
        rows.push(`${sopInstanceUid}, ${encodeRle({ rows: size, columns: size, data: phantom.mask })}`);
        images.push({ file, imageId: sopInstanceUid, patientId, seed: imageSeed, positive: phantom.positive, side: phantom.side, area: phantom.meta.area });
        options.onImage?.(k + 1, count);
      }
      const summary = { seed, count, size, positiveFraction, positives: images.filter((i) => i.positive).length, images };
      await writeFile(path.join(temp, 'train-rle.csv'), `${rows.join('\n')}\n`);
      await writeFile(path.join(temp, 'phantoms.json'), `${JSON.stringify(summary, null, 2)}\n`);
    },
    { overwrite: options.force },
  );
  return { out, seed, count, size, positiveFraction, positives: images.filter((i) => i.positive).length, images };
}

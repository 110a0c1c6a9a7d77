// PNG image and mask pairs, laid out as the common SIIM PNG conversions are: FOLDER/images/NAME.png and
// FOLDER/masks/NAME.png (same name; any non-zero mask pixel is pneumothorax). Grey, grey+alpha and colour PNGs are
// read by their first channel, 16-bit ones scaled to 8 bits. No patient is known: each image is its own group.
// The folder is named by the API: each file is read only as a regular file of bounded size, and its dimensions are
// checked before it is decoded, so neither a FIFO nor a small PNG that claims to be huge takes the run down.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { Mask } from '../../../ml/post';
import type { Plane } from '../../../ml/preprocess';
import { LabelError, summarise, toTrainingItem, type TrainingItem, type TrainingSet } from '../../../ml/train/dataset';
import { readRegularFile, UnreadableFileError } from '../../fs/regular-file';

export const PNG_IMAGES = 'images';
export const PNG_MASKS = 'masks';
/** An 8192 x 8192 grey PNG that does not compress at all */
export const MAX_PNG_BYTES = 64 * 2 ** 20;
/** Pixels per side: SIIM's PNG conversions are 1024, the largest radiographs about 4300 */
export const MAX_PNG_SIDE = 8192;

/** The PNG names under FOLDER/images/ and FOLDER/masks/, sorted. */
export async function pngListing(folder: string): Promise<{ images: string[]; masks: string[] }> {
  // One after the other, so a folder missing both is reported by its images/ every time.
  const images = await pngNames(folder, PNG_IMAGES);
  const masks = await pngNames(folder, PNG_MASKS);
  return { images, masks };
}

export async function loadPngPairs(folder: string, size: number): Promise<TrainingSet> {
  const { images, masks } = await pngListing(folder);
  const maskSet = new Set(masks);
  const items: TrainingItem[] = [];
  let skipped = 0;
  for (const name of images) {
    if (!maskSet.has(name)) {
      skipped++;
      continue;
    }
    const id = name.replace(/\.png$/i, '');
    const image = await readPng(path.join(folder, PNG_IMAGES, name));
    const mask = await readPng(path.join(folder, PNG_MASKS, name));
    const binary: Mask = { rows: mask.rows, columns: mask.columns, data: Uint8Array.from(mask.data, (v) => (v > 0 ? 1 : 0)) };
    items.push(toTrainingItem({ id, patientId: id, image, mask: binary }, size));
  }
  const imageSet = new Set(images);
  const missing = masks.filter((name) => !imageSet.has(name)).map((name) => path.join(PNG_IMAGES, name));
  return { size, items, summary: summarise(`png-pairs ${folder}`, items, { skipped, missing }) };
}

async function pngNames(folder: string, sub: string): Promise<string[]> {
  try {
    return (await readdir(path.join(folder, sub))).filter((name) => /\.png$/i.test(name) && !name.startsWith('.')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new LabelError(`${folder} has no ${sub}/ folder; PNG pairs are FOLDER/${PNG_IMAGES}/NAME.png with FOLDER/${PNG_MASKS}/NAME.png`);
    }
    throw error;
  }
}

async function readPng(file: string): Promise<Plane> {
  const bytes = await readRegularFile(file, MAX_PNG_BYTES).catch((error: Error) => {
    throw new LabelError(error instanceof UnreadableFileError ? error.message : `${file}: cannot read: ${error.message}`);
  });
  let png: PNG;
  try {
    checkPngSize(bytes);
    png = PNG.sync.read(bytes);
  } catch (error) {
    throw new LabelError(`${file}: not a readable PNG: ${(error as Error).message}`);
  }
  // pngjs expands every colour type to 8-bit RGBA.
  const data = new Float32Array(png.width * png.height);
  for (let i = 0; i < data.length; i++) data[i] = png.data[i * 4];
  return { rows: png.height, columns: png.width, data };
}

/** Refuses, from the header alone, a PNG larger than MAX_PNG_SIDE a side: pngjs would allocate it all at once. */
function checkPngSize(bytes: Buffer): void {
  if (bytes.length < 24 || bytes.toString('latin1', 12, 16) !== 'IHDR') return;
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  if (width > MAX_PNG_SIDE || height > MAX_PNG_SIDE) throw new Error(`it is ${width} x ${height} pixels; at most ${MAX_PNG_SIDE} a side is read`);
}

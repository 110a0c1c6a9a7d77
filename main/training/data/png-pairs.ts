// PNG image and mask pairs, laid out as the common SIIM PNG conversions are: FOLDER/images/NAME.png and
// FOLDER/masks/NAME.png (same name; any non-zero mask pixel is pneumothorax). Grey, grey+alpha and colour PNGs are
// read by their first channel, 16-bit ones scaled to 8 bits. No patient is known: each image is its own group.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { Mask } from '../../../ml/post';
import type { Plane } from '../../../ml/preprocess';
import { LabelError, summarise, toTrainingItem, type TrainingItem, type TrainingSet } from '../../../ml/train/dataset';

export const PNG_IMAGES = 'images';
export const PNG_MASKS = 'masks';

export async function loadPngPairs(folder: string, size: number): Promise<TrainingSet> {
  // One after the other, so a folder missing both is reported by its images/ every time.
  const images = await pngNames(folder, PNG_IMAGES);
  const masks = await pngNames(folder, PNG_MASKS);
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
  let png: PNG;
  try {
    png = PNG.sync.read(await readFile(file));
  } catch (error) {
    throw new LabelError(`${file}: not a readable PNG: ${(error as Error).message}`);
  }
  // pngjs expands every colour type to 8-bit RGBA.
  const data = new Float32Array(png.width * png.height);
  for (let i = 0; i < data.length; i++) data[i] = png.data[i * 4];
  return { rows: png.height, columns: png.width, data };
}

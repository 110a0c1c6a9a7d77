// The warning every exported picture carries in its pixels, where no viewer can hide it: a black band across the top
// with "AI RESULT - NOT FOR DIAGNOSIS" in white, then what made the result. Lines wrap at spaces to fit the width.
import { CELL_COLUMNS, drawText, fillRect, fontText, LINE_ROWS } from './bitmap-font';
import type { RgbImage } from './rgb-image';

export const AI_RESULT_LABEL = 'AI RESULT - NOT FOR DIAGNOSIS';
export const LABEL_TEXT_COLOR: readonly [number, number, number] = [255, 255, 255];
const BAND_COLOR: readonly [number, number, number] = [0, 0, 0];

/** The font scale: one font pixel per 256 image pixels of the smaller side, so the label reads at any size. */
export function labelScale(image: { rows: number; columns: number }): number {
  return Math.max(1, Math.floor(Math.min(image.rows, image.columns) / 256));
}

/** Burns the label band into the image; returns the band's height in rows. */
export function burnLabel(image: RgbImage, details: readonly string[]): number {
  const scale = labelScale(image);
  const margin = 2 * scale;
  const lineRows = LINE_ROWS * scale;
  const lines = [AI_RESULT_LABEL, ...details].flatMap((line) => wrap(fontText(line), Math.max(1, Math.floor((image.columns - 2 * margin) / (CELL_COLUMNS * scale)))));
  const bandRows = Math.min(image.rows, margin * 2 + lines.length * lineRows);
  fillRect(image, 0, 0, image.columns, bandRows, BAND_COLOR);
  lines.forEach((line, k) => drawText(image, line, margin, margin + k * lineRows, scale, LABEL_TEXT_COLOR));
  return bandRows;
}

/** Lines of at most `width` characters, broken at spaces; a word longer than a line is cut. */
export function wrap(text: string, width: number): string[] {
  const pieces = text.split(' ').flatMap((word) => Array.from({ length: Math.max(1, Math.ceil(word.length / width)) }, (_, k) => word.slice(k * width, (k + 1) * width)));
  const lines: string[] = [];
  let line = '';
  for (const piece of pieces) {
    if (!line) line = piece;
    else if (line.length + 1 + piece.length <= width) line += ` ${piece}`;
    else {
      lines.push(line);
      line = piece;
    }
  }
  if (line) lines.push(line);
  return lines;
}

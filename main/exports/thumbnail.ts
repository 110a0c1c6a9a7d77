// A report's picture of one image: the overlay composed small and embedded as a PNG data URI, so the report is one
// portable file.
import { PNG } from 'pngjs';
import { heatmapSize } from '../triage/heatmap-png';
import { composeOverlay, type OverlayLayers, type RgbImage } from './rgb-image';

export const THUMBNAIL_MAX_SIDE = 192;

export function rgbPng(image: RgbImage): Buffer {
  const png = new PNG({ width: image.columns, height: image.rows });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}

export function thumbnailDataUri(layers: OverlayLayers, maxSide = THUMBNAIL_MAX_SIDE): string {
  const size = heatmapSize(layers.gray.rows, layers.gray.columns, maxSide);
  return `data:image/png;base64,${rgbPng(composeOverlay(layers, size)).toString('base64')}`;
}

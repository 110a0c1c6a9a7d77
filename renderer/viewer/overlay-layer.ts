// The triage overlay, drawn on a 2D canvas laid over the viewport and redrawn after every render of it, so it
// follows pan, zoom and resizing: the heatmap (at the model's size, smoothed up onto the image) and the mask's
// contour (line segments along pixel edges, a constant width on screen at any zoom).
import { Enums, utilities, type Types } from '@cornerstonejs/core';
import { affineFromPoints, applyAffine, type Affine, type Point } from './image-transform';

export type OverlayContent = {
  /** the image the overlay belongs to, and its size: nothing is drawn over another image */
  imageId: string;
  rows: number;
  columns: number;
  /** the heatmap already coloured, at the model's size */
  heatmap: HTMLCanvasElement | null;
  /** maskOutline() segments in image coordinates */
  outline: readonly number[] | null;
  heatmapVisible: boolean;
  contourVisible: boolean;
  opacity: number;
};

export const CONTOUR_COLOUR = '#ff5cf4';

/** Where image pixel coordinates (top-left corner of the first pixel at 0, 0) land on the viewport's canvas. */
export function imageToCanvas(viewport: Types.IStackViewport, imageId: string): Affine {
  const at = (x: number, y: number): Point => {
    const [cx, cy] = viewport.worldToCanvas(utilities.imageToWorldCoords(imageId, [x, y]) as Types.Point3);
    return [cx, cy];
  };
  return affineFromPoints(at(0, 0), at(1, 0), at(0, 1));
}

export function drawOverlay(canvas: HTMLCanvasElement, viewport: Types.IStackViewport, content: OverlayContent): void {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.round(canvas.clientWidth * ratio);
  const height = Math.round(canvas.clientHeight * ratio);
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const context = canvas.getContext('2d');
  if (!context) return;
  context.setTransform(1, 0, 0, 1, 0, 0);
  context.clearRect(0, 0, width, height);
  const { imageId, rows, columns } = content;
  if (viewport.getCurrentImageId() !== imageId) return;
  const toCanvas = imageToCanvas(viewport, imageId);
  if (content.heatmapVisible && content.heatmap) {
    const [a, b, c, d, e, f] = toCanvas;
    context.setTransform(a * ratio, b * ratio, c * ratio, d * ratio, e * ratio, f * ratio);
    context.globalAlpha = content.opacity;
    context.imageSmoothingEnabled = true;
    context.drawImage(content.heatmap, 0, 0, columns, rows);
    context.globalAlpha = 1;
    context.setTransform(1, 0, 0, 1, 0, 0);
  }
  if (content.contourVisible && content.outline && content.outline.length > 0) {
    const segments = content.outline;
    context.beginPath();
    for (let i = 0; i < segments.length; i += 4) {
      const [x0, y0] = applyAffine(toCanvas, [segments[i], segments[i + 1]]);
      const [x1, y1] = applyAffine(toCanvas, [segments[i + 2], segments[i + 3]]);
      context.moveTo(x0 * ratio, y0 * ratio);
      context.lineTo(x1 * ratio, y1 * ratio);
    }
    context.strokeStyle = CONTOUR_COLOUR;
    context.lineWidth = 2 * ratio;
    context.lineCap = 'square';
    context.stroke();
  }
}

/** Redraws whenever the viewport renders; returns the unsubscribe. */
export function followRenders(element: HTMLElement, redraw: () => void): () => void {
  element.addEventListener(Enums.Events.IMAGE_RENDERED, redraw);
  return () => element.removeEventListener(Enums.Events.IMAGE_RENDERED, redraw);
}

/** The coloured heatmap as a canvas at its own size, for drawImage to scale onto the image. */
export function heatmapCanvas(rgba: Uint8ClampedArray<ArrayBuffer>, rows: number, columns: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = columns;
  canvas.height = rows;
  canvas.getContext('2d')?.putImageData(new ImageData(rgba, columns, rows), 0, 0);
  return canvas;
}

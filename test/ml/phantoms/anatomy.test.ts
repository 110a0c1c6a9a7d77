import { describe, expect, it } from 'vitest';
import { drawChest } from '../../../ml/phantoms/anatomy';
import { createCanvas, fillPolygon, type Point } from '../../../ml/phantoms/raster';
import { Rng } from '../../../ml/random';

const SIZE = 400;
/** The chest frame (x -1..1, y 0..1) onto a square canvas, unrotated. */
const toPixel = ([x, y]: Point): Point => [((x + 1) * SIZE) / 2, y * SIZE];
const toX = (column: number) => ((column + 0.5) * 2) / SIZE - 1;

function raster(shape: Point[]): Float32Array {
  const canvas = createCanvas(SIZE, SIZE);
  fillPolygon(canvas, shape.map(toPixel));
  return canvas.data;
}

/** The topmost row the abdomen covers in the column at `x`. */
function diaphragmRow(abdomen: Float32Array, x: number): number {
  const column = Math.round(((x + 1) * SIZE) / 2);
  for (let row = 0; row < SIZE; row++) if (abdomen[row * SIZE + column]) return row;
  return SIZE;
}

describe('drawChest', () => {
  const chests = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => drawChest(new Rng(seed)));

  it('sets the heart on the diaphragm, two thirds of it on the patient left, the right atrial border just right of the spine', () => {
    for (const chest of chests) {
      const heart = raster(chest.heart);
      const abdomen = raster(chest.abdomen);
      let left = 0;
      let total = 0;
      let rightmost = 0;
      let bottom = 0;
      for (let i = 0; i < heart.length; i++) {
        if (!heart[i] || abdomen[i]) continue;
        const x = toX(i % SIZE);
        total++;
        if (x > 0) left++;
        rightmost = Math.min(rightmost, x);
        bottom = Math.max(bottom, Math.floor(i / SIZE));
      }
      expect(left / total).toBeGreaterThan(0.6);
      expect(left / total).toBeLessThan(0.85);
      expect(rightmost).toBeLessThan(-0.1);
      expect(rightmost).toBeGreaterThan(-0.22);
      // it reaches down to the diaphragm under it: its lowest visible row is where the abdomen starts
      expect(bottom + 1).toBeGreaterThanOrEqual(diaphragmRow(abdomen, 0.15));
    }
  });

  it('puts the right hemidiaphragm (image left) above the left', () => {
    for (const chest of chests) {
      const abdomen = raster(chest.abdomen);
      expect(diaphragmRow(abdomen, -0.4)).toBeLessThan(diaphragmRow(abdomen, 0.4));
    }
  });

  it('bulges the left mediastinal contour over the aortic knob', () => {
    for (const chest of chests) {
      const leftEdgeAt = (y: number) => Math.max(...chest.mediastinum.filter(([x, py]) => x > 0 && Math.abs(py - y) < 0.006).map(([x]) => x));
      const knob = Math.max(...[0.29, 0.3, 0.31, 0.32, 0.33].map(leftEdgeAt));
      expect(knob).toBeGreaterThan(leftEdgeAt(0.2) + 0.025);
      expect(knob).toBeGreaterThan(-Math.min(...chest.mediastinum.filter(([, py]) => Math.abs(py - 0.31) < 0.006).map(([x]) => x)) + 0.02);
    }
  });

  it('curves every posterior rib up from the spine and down toward the chest wall, no two spaced alike', () => {
    for (const chest of chests) {
      for (const rib of chest.posteriorRibs) {
        const ys = rib.points.map(([, y]) => y);
        const crest = Math.min(...ys);
        expect(crest).toBeLessThan(ys[0] - 0.005);
        expect(ys[ys.length - 1]).toBeGreaterThan(crest + 0.04);
      }
      const starts = chest.posteriorRibs.filter((rib) => rib.points[1][0] < 0).map((rib) => rib.points[0][1]);
      const gaps = starts.slice(1).map((y, k) => y - starts[k]);
      // not a regular progression: the change from one gap to the next varies
      const steps = gaps.slice(1).map((g, k) => g - gaps[k]);
      expect(Math.max(...steps) - Math.min(...steps)).toBeGreaterThan(0.002);
      // the spaces widen toward the bases
      expect(gaps[gaps.length - 1] + gaps[gaps.length - 2]).toBeGreaterThan(gaps[0] + gaps[1]);
    }
  });
});

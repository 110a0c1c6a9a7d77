import { describe, expect, it } from 'vitest';
import { renderPhantom } from '../../../ml/phantoms';

const SIZE = 256;
const render = (seed: number, positive?: boolean) => renderPhantom(seed, { rows: SIZE, positive });

function stats(values: Float32Array, mask: Uint8Array): { mean: number; variance: number } {
  let n = 0;
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    n++;
    sum += values[i];
    squares += values[i] * values[i];
  }
  const mean = sum / n;
  return { mean, variance: squares / n - mean * mean };
}

/** Local texture: variance of the difference from the 3x3 mean, inside the mask. */
function textureVariance(image: { data: Float32Array; columns: number }, mask: Uint8Array): number {
  const { data, columns } = image;
  const residual = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const c = i % columns;
    if (!mask[i] || c === 0 || c === columns - 1 || i < columns || i >= data.length - columns) continue;
    let s = 0;
    for (const d of [-columns - 1, -columns, -columns + 1, -1, 0, 1, columns - 1, columns, columns + 1]) s += data[i + d];
    residual[i] = data[i] - s / 9;
  }
  return stats(residual, mask).variance;
}

describe('renderPhantom', () => {
  it('draws the same pixels, mask and case for the same seed', () => {
    const a = render(11);
    const b = render(11);
    expect(b.image.data).toEqual(a.image.data);
    expect(b.mask).toEqual(a.mask);
    expect([b.positive, b.side]).toEqual([a.positive, a.side]);
    expect(render(12).image.data).not.toEqual(a.image.data);
  });

  it('draws an edge mimic on a negative only when asked: a brighter curved line, the markings kept, no mask', () => {
    const plain = renderPhantom(21, { rows: SIZE, positive: false });
    expect(renderPhantom(21, { rows: SIZE, positive: false, edgeMimicFraction: 0 }).image.data).toEqual(plain.image.data);
    const mimic = renderPhantom(21, { rows: SIZE, positive: false, edgeMimicFraction: 1 });
    expect(mimic.positive).toBe(false);
    expect(mimic.mask.every((v) => v === 0)).toBe(true);
    const changed = plain.image.data.map((v, i) => mimic.image.data[i] - v);
    const brighter = changed.filter((d) => d > 3).length;
    // a thin line: a few hundred pixels of a 256² film brighter, the rest the same film with its own noise
    expect(brighter).toBeGreaterThan(30);
    expect(brighter).toBeLessThan(0.02 * SIZE * SIZE);
    // positives are drawn exactly as before
    expect(renderPhantom(22, { rows: SIZE, positive: true, edgeMimicFraction: 1 }).image.data).toEqual(renderPhantom(22, { rows: SIZE, positive: true }).image.data);
  });

  it('gives 8-bit whole values of the requested size, any size', () => {
    const p = renderPhantom(3, { rows: 96, columns: 128 });
    expect([p.image.rows, p.image.columns, p.image.data.length, p.mask.length]).toEqual([96, 128, 96 * 128, 96 * 128]);
    expect(p.image.data.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)).toBe(true);
  });

  it('draws about the requested share of positives, empty masks for negatives', () => {
    const cases = Array.from({ length: 50 }, (_, seed) => renderPhantom(1000 + seed, { rows: 64, positiveFraction: 0.3 }));
    const positives = cases.filter((p) => p.positive);
    expect(positives.length).toBeGreaterThanOrEqual(8);
    expect(positives.length).toBeLessThanOrEqual(23);
    for (const p of cases) {
      const area = p.mask.reduce((s, v) => s + v, 0);
      if (p.positive) expect(area).toBeGreaterThan(0);
      else expect([area, p.side]).toEqual([0, null]);
    }
  });

  it('places a pneumothorax on the pleural edge of one lung, with no markings and darker than the lung it replaces', () => {
    for (const seed of [21, 22, 23, 24, 25, 26]) {
      const positive = render(seed, true);
      const negative = render(seed, false);
      expect(positive.side === 'left' || positive.side === 'right').toBe(true);
      // the region reaches the chest wall: within 3 pixels of it lies soft tissue, far brighter than aerated lung
      const { mask } = positive;
      const lungMean = stats(negative.image.data, mask).mean;
      let touchesWall = false;
      for (let i = 3 * SIZE; i < mask.length - 3 * SIZE && !touchesWall; i++) {
        if (!mask[i]) continue;
        for (const d of [-1, 1, -SIZE, SIZE]) for (let k = 1; k <= 3; k++) if (negative.image.data[i + k * d] > lungMean + 40) touchesWall = true;
      }
      expect(touchesWall).toBe(true);
      // patient right = image left
      const columnMean = mask.reduce((s, v, i) => s + (v ? i % SIZE : 0), 0) / mask.reduce((s, v) => s + v, 0);
      expect(positive.side === 'right' ? columnMean < SIZE / 2 : columnMean > SIZE / 2).toBe(true);
      const withRegion = stats(positive.image.data, mask);
      const without = stats(negative.image.data, mask);
      expect(withRegion.mean).toBeLessThan(without.mean - 3);
      // texture away from the region's border (the pleural line and the chest wall are edges, not texture)
      const interior = mask.map((v, i) => (v && mask[i - 1] && mask[i + 1] && mask[i - SIZE] && mask[i + SIZE] && mask[i - SIZE - 1] && mask[i - SIZE + 1] && mask[i + SIZE - 1] && mask[i + SIZE + 1] ? 1 : 0));
      if (interior.reduce((n, v) => n + v, 0) >= 20) expect(textureVariance(positive.image, interior)).toBeLessThan(textureVariance(negative.image, interior));
      expect(negative.mask.every((v) => v === 0)).toBe(true);
    }
  });
});

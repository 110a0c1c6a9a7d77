import { describe, expect, it } from 'vitest';
import { connectedComponents, dropSmallRegions, maskArea, type Mask } from '../../../ml/post';
import { maskFromText } from '../../fixtures/masks';

describe('connected components (8-connectivity, two-pass union-find)', () => {
  it('joins pixels that touch only at a corner, and numbers regions by their first pixel', () => {
    const mask = maskFromText(
      '##..#', //
      '.#...',
      '..#..',
      '#..##',
    );
    const { labels, components } = connectedComponents(mask);
    expect(Array.from(labels)).toEqual([
      1, 1, 0, 0, 2, //
      0, 1, 0, 0, 0,
      0, 0, 1, 0, 0,
      3, 0, 0, 1, 1,
    ]);
    expect(components).toEqual([
      // rows 0, 0, 1, 2, 3, 3 and columns 0, 1, 1, 2, 3, 4
      { label: 1, area: 6, box: { top: 0, left: 0, bottom: 3, right: 4 }, centroid: { row: 9 / 6, column: 11 / 6 } },
      { label: 2, area: 1, box: { top: 0, left: 4, bottom: 0, right: 4 }, centroid: { row: 0, column: 4 } },
      { label: 3, area: 1, box: { top: 3, left: 0, bottom: 3, right: 0 }, centroid: { row: 3, column: 0 } },
    ]);
  });

  it('merges provisional labels that meet later (a U) and through the north-east neighbour', () => {
    const u = connectedComponents(maskFromText('#.#', '#.#', '###'));
    expect(u.components.map((c) => c.area)).toEqual([7]);
    expect(new Set(u.labels)).toEqual(new Set([0, 1]));
    const stairs = connectedComponents(maskFromText('...#', '..#.', '.#..', '#..#'));
    expect(stairs.components.map((c) => c.area)).toEqual([4, 1]);
  });

  it('finds nothing in an empty mask and one region in a full one', () => {
    expect(connectedComponents(maskFromText('...', '...')).components).toEqual([]);
    expect(connectedComponents(maskFromText('###', '###')).components).toEqual([
      { label: 1, area: 6, box: { top: 0, left: 0, bottom: 1, right: 2 }, centroid: { row: 0.5, column: 1 } },
    ]);
  });

  it('partitions random masks exactly as a flood fill does', () => {
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 20; trial++) {
      const rows = 10 + trial;
      const columns = 30 - trial;
      const mask: Mask = { rows, columns, data: Uint8Array.from({ length: rows * columns }, () => (random() < 0.45 ? 1 : 0)) };
      const { labels, components } = connectedComponents(mask);
      const reference = floodFill(mask);
      // Same partition: label pairs correspond one to one.
      const pairs = new Map<number, number>();
      for (let i = 0; i < labels.length; i++) {
        expect(labels[i] === 0).toBe(reference[i] === 0);
        if (labels[i] === 0) continue;
        if (!pairs.has(labels[i])) pairs.set(labels[i], reference[i]);
        expect(pairs.get(labels[i])).toBe(reference[i]);
      }
      expect(new Set(pairs.values()).size).toBe(pairs.size);
      expect(components.reduce((sum, c) => sum + c.area, 0)).toBe(maskArea(mask));
    }
  });
});

describe('dropping small regions', () => {
  const mask = maskFromText('##..#', '.#...', '..#..', '#..##');

  it('drops regions of fewer than the minimum area and keeps those of exactly it', () => {
    expect(dropSmallRegions(mask, 2)).toEqual(maskFromText('##...', '.#...', '..#..', '...##'));
    expect(dropSmallRegions(mask, 6)).toEqual(maskFromText('##...', '.#...', '..#..', '...##'));
    expect(maskArea(dropSmallRegions(mask, 7))).toBe(0);
    expect(dropSmallRegions(mask, 1)).toEqual(mask);
  });
});

/** A plain breadth-first flood fill over 8 neighbours: slow, obviously right, labels in raster order. */
function floodFill({ rows, columns, data }: Mask): Int32Array {
  const labels = new Int32Array(rows * columns);
  let next = 0;
  for (let start = 0; start < data.length; start++) {
    if (data[start] === 0 || labels[start] !== 0) continue;
    labels[start] = ++next;
    const queue = [start];
    while (queue.length > 0) {
      const i = queue.pop()!;
      const row = Math.floor(i / columns);
      const column = i % columns;
      for (let dr = -1; dr <= 1; dr++) {
        for (let dc = -1; dc <= 1; dc++) {
          const r = row + dr;
          const c = column + dc;
          if (r < 0 || r >= rows || c < 0 || c >= columns) continue;
          const j = r * columns + c;
          if (data[j] !== 0 && labels[j] === 0) {
            labels[j] = next;
            queue.push(j);
          }
        }
      }
    }
  }
  return labels;
}

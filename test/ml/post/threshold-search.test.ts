import { describe, expect, it } from 'vitest';
import { applyRule, createMask, imageScore, meanScore, SCIENCE_GRID, searchThresholds, type Mask, type ProbabilityMap, type ValidationPair } from '../../../ml/post';
import { paintRect, rectArea, uniformMap, type Rect } from '../../fixtures/masks';

const full = { rows: 1024, columns: 1024 };

function pair(paint: (map: ProbabilityMap, truth: Mask) => void): ValidationPair {
  const probabilities = uniformMap(full, 0.05);
  const truth = createMask(full);
  paint(probabilities, truth);
  return { probabilities, truth };
}

describe('threshold-triplet search', () => {
  // Image 1, truly empty: 1,500 pixels at 0.7 — above top 0.6, not above 0.75.
  const falseAlarm = pair((map) => paintRect(map, { top: 0, left: 0, height: 30, width: 50 }, 0.7));
  // Image 2: a 2,500-pixel pneumothorax predicted at 0.9, plus a 500-pixel rim at 0.35 outside it.
  const lesion: Rect = { top: 200, left: 200, height: 50, width: 50 };
  const hit = pair((map, truth) => {
    paintRect(map, { top: 250, left: 200, height: 10, width: 50 }, 0.35);
    paintRect(map, lesion, 0.9);
    paintRect(truth, lesion, 1);
  });
  const rimDice = (2 * 2500) / (2500 + 3000);

  it('scores every grid point in grid order and keeps the first best', () => {
    const search = searchThresholds([falseAlarm, hit]);
    expect(search.images).toBe(2);
    expect(rectArea(lesion)).toBe(2500);
    // top 0.6 sees the false alarm unless min_area exceeds its 1,500 pixels; min_area 3,000 empties the lesion.
    const expected = [
      [0.6, 1000, 0.3, (0 + rimDice) / 2],
      [0.6, 1000, 0.4, (0 + 1) / 2],
      [0.6, 2000, 0.3, (1 + rimDice) / 2],
      [0.6, 2000, 0.4, (1 + 1) / 2],
      [0.6, 3000, 0.3, (1 + 0) / 2],
      [0.6, 3000, 0.4, (1 + 0) / 2],
      [0.75, 1000, 0.3, (1 + rimDice) / 2],
      [0.75, 1000, 0.4, (1 + 1) / 2],
      [0.75, 2000, 0.3, (1 + rimDice) / 2],
      [0.75, 2000, 0.4, (1 + 1) / 2],
      [0.75, 3000, 0.3, (1 + 0) / 2],
      [0.75, 3000, 0.4, (1 + 0) / 2],
    ];
    expect(search.points.map((p) => [p.top, p.minArea, p.bottom, p.score])).toEqual(expected);
    // Three points score 1; the first in grid order wins.
    expect(search.best).toEqual({ top: 0.6, minArea: 2000, bottom: 0.4, score: 1 });
  });

  it('agrees with applying each triple threshold and scoring the masks, at a smaller size too', () => {
    const size = { rows: 128, columns: 96 };
    let seed = 11;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pairs: ValidationPair[] = Array.from({ length: 6 }, () => {
      const probabilities = uniformMap(size, 0);
      const truth = createMask(size);
      for (let blob = 0; blob < 3; blob++) {
        const rect = { top: Math.floor(random() * 100), left: Math.floor(random() * 70), height: 2 + Math.floor(random() * 25), width: 2 + Math.floor(random() * 25) };
        paintRect(probabilities, rect, random());
        if (random() < 0.5) paintRect(truth, { ...rect, left: rect.left + 1 }, 1);
      }
      return { probabilities, truth };
    });
    const search = searchThresholds(pairs.values());
    for (const point of search.points) {
      const rule = { kind: 'triple-threshold' as const, top: point.top, minArea: point.minArea, bottom: point.bottom, minRegionArea: null };
      const direct = meanScore(pairs.map(({ probabilities, truth }) => imageScore(truth, applyRule(probabilities, rule))));
      expect(point.score).toBeCloseTo(direct, 12);
    }
    expect(new Set(search.points.map((p) => p.score)).size).toBeGreaterThan(3); // the case is not degenerate
  });

  it('rejects an empty validation set, mismatched pairs and a bad grid', () => {
    expect(() => searchThresholds([])).toThrow(/at least one validation image/);
    expect(() => searchThresholds([{ probabilities: uniformMap({ rows: 2, columns: 2 }, 0), truth: createMask({ rows: 2, columns: 3 }) }])).toThrow(/truth mask is 2 x 3, expected 2 x 2/);
    expect(() => searchThresholds([hit], { ...SCIENCE_GRID, bottoms: [] })).toThrow(/bottoms list is empty/);
    expect(() => searchThresholds([hit], { ...SCIENCE_GRID, tops: [1.2] })).toThrow(/grid point \(top 1.2, min_area 1000, bottom 0.3\)/);
  });
});

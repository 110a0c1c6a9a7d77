// The validation search for the triple threshold (science.md, "Threshold search"): score every (top, min_area,
// bottom) of a grid with the challenge metric and keep the best. A grid point's per-image score needs only a few
// counts — pixels above each top, and per bottom the predicted area and its overlap with the truth — so each image
// is read once, whatever the grid's size, and only those counts are kept (pairs may be streamed).
import { scaleArea } from './area-scale';
import { diceFromCounts } from './metric';
import { checkRaster, float32Threshold, type Mask, type ProbabilityMap, type Size } from './raster';
import { Triplet } from './rules';

export interface ThresholdGrid {
  tops: readonly number[];
  minAreas: readonly number[];
  bottoms: readonly number[];
}

export const SCIENCE_GRID: ThresholdGrid = { tops: [0.6, 0.75], minAreas: [1000, 2000, 3000], bottoms: [0.3, 0.4] };

export interface ValidationPair {
  probabilities: ProbabilityMap;
  truth: Mask;
}

export interface GridPoint extends Triplet {
  /** mean per-image score over the validation images */
  score: number;
}

export interface ThresholdSearch {
  /** every grid point in grid order: top outermost, then min_area, then bottom */
  points: GridPoint[];
  /** the highest score; on a tie, the first in grid order */
  best: GridPoint;
  images: number;
}

/** What one image contributes to every grid point. */
export interface ImageCounts extends Size {
  truthArea: number;
  /** per top: pixels with p > top */
  strong: number[];
  /** per bottom: pixels with p > bottom */
  predicted: number[];
  /** per bottom: pixels with p > bottom that are in the truth */
  overlap: number[];
}

export function countImage({ probabilities, truth }: ValidationPair, grid: ThresholdGrid): ImageCounts {
  checkRaster(probabilities, 'probability map');
  checkRaster(truth, 'truth mask', probabilities);
  const tops = grid.tops.map(float32Threshold);
  const bottoms = grid.bottoms.map(float32Threshold);
  const strong = new Array<number>(tops.length).fill(0);
  const predicted = new Array<number>(bottoms.length).fill(0);
  const overlap = new Array<number>(bottoms.length).fill(0);
  const p = probabilities.data;
  const t = truth.data;
  let truthArea = 0;
  for (let i = 0; i < p.length; i++) {
    const value = p[i];
    const inTruth = t[i] !== 0;
    if (inTruth) truthArea++;
    for (let j = 0; j < tops.length; j++) if (value > tops[j]) strong[j]++;
    for (let j = 0; j < bottoms.length; j++) {
      if (value > bottoms[j]) {
        predicted[j]++;
        if (inTruth) overlap[j]++;
      }
    }
  }
  return { rows: probabilities.rows, columns: probabilities.columns, truthArea, strong, predicted, overlap };
}

export function searchThresholds(pairs: Iterable<ValidationPair>, grid: ThresholdGrid = SCIENCE_GRID): ThresholdSearch {
  checkGrid(grid);
  const counts: ImageCounts[] = [];
  for (const pair of pairs) counts.push(countImage(pair, grid));
  return scoreGrid(counts, grid);
}

/** Scores every grid point from per-image counts made with the same grid. */
export function scoreGrid(counts: readonly ImageCounts[], grid: ThresholdGrid): ThresholdSearch {
  checkGrid(grid);
  if (counts.length === 0) throw new RangeError('the threshold search needs at least one validation image');
  const points: GridPoint[] = [];
  grid.tops.forEach((top, t) => {
    for (const minArea of grid.minAreas) {
      grid.bottoms.forEach((bottom, b) => {
        let sum = 0;
        for (const image of counts) {
          const empty = image.strong[t] < scaleArea(minArea, image);
          sum += diceFromCounts(image.truthArea, empty ? 0 : image.predicted[b], empty ? 0 : image.overlap[b]);
        }
        points.push({ top, minArea, bottom, score: sum / counts.length });
      });
    }
  });
  const best = points.reduce((winner, point) => (point.score > winner.score ? point : winner));
  return { points, best, images: counts.length };
}

function checkGrid(grid: ThresholdGrid): void {
  for (const key of ['tops', 'minAreas', 'bottoms'] as const) {
    if (grid[key].length === 0) throw new RangeError(`the threshold grid's ${key} list is empty`);
  }
  for (const top of grid.tops) {
    for (const minArea of grid.minAreas) {
      for (const bottom of grid.bottoms) {
        const check = Triplet.safeParse({ top, minArea, bottom });
        if (!check.success) {
          throw new RangeError(`grid point (top ${top}, min_area ${minArea}, bottom ${bottom}): probabilities lie in [0, 1] and areas are whole pixels`);
        }
      }
    }
  }
}

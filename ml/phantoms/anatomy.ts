// The chest of one phantom as shapes in a normalised frame: x from -1 (image left = patient right on a PA film)
// to 1, y from 0 (top) to 1 (bottom); widths are fractions of the image height. Every size and position is drawn
// from the generator within a plausible adult range, so no two phantoms share a chest.
import type { Rng } from '../random';
import type { Point } from './raster';

/** -1: the lung on the image left (the patient's right), 1: the image right (the patient's left). */
export type ImageSide = -1 | 1;

export interface Tube {
  points: Point[];
  /** one radius per point, in fractions of the image height */
  radii: number[];
}

export interface Chest {
  body: Point[];
  lungs: Record<ImageSide, Point[]>;
  /** the central shadow, its left upper contour bulging over the aortic knob and the pulmonary trunk */
  mediastinum: Point[];
  /** the cardiac silhouette; it reaches below the diaphragm, where the abdomen hides it */
  heart: Point[];
  vertebrae: Point[][];
  trachea: Tube[];
  posteriorRibs: Tube[];
  anteriorRibs: Tube[];
  clavicles: Tube[];
  /** pulmonary vessels, one tree per lung, trunk first */
  vessels: Record<ImageSide, Tube[]>;
  stomachBubble: Point[] | null;
  /** everything under both hemidiaphragms, its top the diaphragm itself */
  abdomen: Point[];
}

/** One hemidiaphragm: y of its upper surface for a distance |x| from the midline. */
interface Hemidiaphragm {
  dome: number;
  costophrenic: number;
  /** |x| of the lateral end (the costophrenic angle) */
  width: number;
  at(distance: number): number;
}

const SIDES: ImageSide[] = [-1, 1];
/** |x| where the lung fields' medial edges lie (the mediastinum and heart cover them) */
const MEDIAL = 0.06;

export function drawChest(rng: Rng): Chest {
  const apex = rng.uniform(0.1, 0.14);
  const width = rng.uniform(0.68, 0.78);
  // the liver lifts the right hemidiaphragm (image left) above the left
  const domeRight = rng.uniform(0.58, 0.66);
  const domes: Record<ImageSide, number> = { [-1]: domeRight, [1]: domeRight + rng.uniform(0.015, 0.05) } as Record<ImageSide, number>;
  const lungs = {} as Record<ImageSide, Point[]>;
  const lateral = {} as Record<ImageSide, (y: number) => number>;
  const diaphragm = {} as Record<ImageSide, Hemidiaphragm>;
  for (const side of SIDES) {
    diaphragm[side] = hemidiaphragm(rng, domes[side], width * rng.uniform(0.97, 1.03));
    const shape = lungOutline(rng, side, apex + rng.uniform(-0.01, 0.01), diaphragm[side]);
    lungs[side] = shape.outline;
    lateral[side] = shape.lateralAt;
  }
  const diaphragmAt = (x: number): number => {
    const side: ImageSide = x < 0 ? -1 : 1;
    if (Math.abs(x) >= MEDIAL) return diaphragm[side].at(Math.abs(x));
    // across the spine, from one hemidiaphragm's medial end to the other's
    const t = (x + MEDIAL) / (2 * MEDIAL);
    return diaphragm[-1].at(MEDIAL) * (1 - t) + diaphragm[1].at(MEDIAL) * t;
  };
  const ribSpacing = (domeRight - apex) / rng.uniform(9.2, 10.2);
  return {
    body: bodyOutline(rng),
    lungs,
    mediastinum: mediastinum(rng),
    heart: heart(rng, domes[1]),
    vertebrae: vertebrae(rng),
    trachea: trachea(rng),
    posteriorRibs: SIDES.flatMap((side) => posteriorRibs(rng, side, apex, ribSpacing, lateral[side])),
    anteriorRibs: SIDES.flatMap((side) => anteriorRibs(rng, side, apex, ribSpacing, lateral[side])),
    clavicles: SIDES.map((side) => clavicle(rng, side, apex)),
    vessels: { [-1]: vesselTree(rng, -1), [1]: vesselTree(rng, 1) } as Record<ImageSide, Tube[]>,
    stomachBubble: rng.chance(0.7) ? ellipse(rng.uniform(0.2, 0.4), domes[1] + rng.uniform(0.05, 0.08), rng.uniform(0.05, 0.1), rng.uniform(0.025, 0.04), 0) : null,
    abdomen: [...Array.from({ length: 89 }, (_, i) => -1.1 + (2.2 * i) / 88).map((x) => [x, diaphragmAt(x)] as Point), [1.1, 1.1], [-1.1, 1.1]],
  };
}

function bodyOutline(rng: Rng): Point[] {
  const chest = rng.uniform(0.86, 0.95);
  const half: Point[] = [
    [rng.uniform(0.15, 0.2), -0.01],
    [0.21, 0.05],
    [0.35, rng.uniform(0.08, 0.1)],
    [0.7, rng.uniform(0.12, 0.15)],
    [0.95, rng.uniform(0.18, 0.22)],
    [1.02, 0.3],
    [chest, 0.36],
    [chest - 0.01, 0.6],
    [chest - rng.uniform(0.03, 0.08), 0.9],
    [chest - 0.08, 1.01],
  ];
  return mirrored(half);
}

/** Points for x ≥ 0 from top to bottom become a closed outline symmetric about x = 0. */
function mirrored(half: Point[]): Point[] {
  return [...half.map(([x, y]) => [-x, y] as Point), ...[...half].reverse().map(([x, y]) => [x, y] as Point)];
}

function ellipse(cx: number, cy: number, rx: number, ry: number, angle: number, n = 48): Point[] {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  return Array.from({ length: n }, (_, i) => {
    const t = (2 * Math.PI * i) / n;
    // rotate in image heights (x is in half widths: 1 height = 2 x units on a square image)
    const hx = (rx / 2) * Math.cos(t);
    const hy = ry * Math.sin(t);
    return [cx + 2 * (hx * cos - hy * sin), cy + hx * sin + hy * cos] as Point;
  });
}

/** A flat dome peaking a third of the way out, falling steeply into a sharp costophrenic angle. */
function hemidiaphragm(rng: Rng, dome: number, width: number): Hemidiaphragm {
  const costophrenic = dome + rng.uniform(0.05, 0.08);
  const peak = rng.uniform(0.32, 0.45);
  return {
    dome,
    costophrenic,
    width,
    at: (d) => (d > peak ? dome + (costophrenic - dome) * Math.min(1, (d - peak) / (width - peak)) ** 2.4 : dome + 0.5 * (peak - d) ** 2),
  };
}

/**
 * Left and right contours from the thoracic inlet down, as |x| per y: the right one straight (the superior vena
 * cava), the left one with the aortic knob's bulge and, below the aortopulmonary window, the pulmonary trunk's.
 */
function mediastinum(rng: Rng): Point[] {
  const base: Point[] = [[0.075, 0], [0.08, 0.2], [0.095, 0.36], [0.11, 0.5], [0.1, 0.75], [0.1, 1]].map(([x, y]) => [x * rng.uniform(0.95, 1.1), y]);
  const widthAt = (y: number): number => {
    const k = Math.max(1, base.findIndex(([, by]) => by >= y));
    const [x0, y0] = base[k - 1];
    const [x1, y1] = base[k];
    return x0 + ((x1 - x0) * (y - y0)) / (y1 - y0);
  };
  const bump = (y: number, centre: number, height: number, spread: number) => height * Math.exp(-(((y - centre) / spread) ** 2));
  const knob = { y: rng.uniform(0.29, 0.33), height: rng.uniform(0.035, 0.055) };
  const trunk = { y: knob.y + rng.uniform(0.08, 0.1), height: rng.uniform(0.015, 0.035) };
  const ys = Array.from({ length: 101 }, (_, i) => i / 100);
  const left = ys.map((y) => [widthAt(y) + bump(y, knob.y, knob.height, 0.035) + bump(y, trunk.y, trunk.height, 0.022), y] as Point);
  const right = ys.map((y) => [-widthAt(y) * 1.05, y] as Point);
  return [...right, ...left.reverse()];
}

/**
 * The cardiac silhouette: about two thirds of it left of the midline (image right), its rounded left border
 * sweeping down to the apex on the left hemidiaphragm, the right atrial border a little right of the spine.
 * Four quarter-ellipses around one centre, each with its own reach; the lower ones run on under the diaphragm.
 */
function heart(rng: Rng, leftDome: number): Point[] {
  const cx = rng.uniform(0.02, 0.05);
  const cy = leftDome - rng.uniform(0.06, 0.09);
  const top = rng.uniform(0.4, 0.44);
  const left = rng.uniform(0.32, 0.42) - cx;
  const right = cx + rng.uniform(0.12, 0.17);
  const below = 0.25;
  return Array.from({ length: 96 }, (_, i) => {
    const t = (2 * Math.PI * i) / 96;
    const c = Math.cos(t);
    const s = Math.sin(t);
    // a squarer lower left quadrant gives the ventricle's blunt apex
    const power = c > 0 && s > 0 ? 0.8 : 1;
    return [cx + (c > 0 ? left : right) * Math.sign(c) * Math.abs(c) ** power, cy + (s > 0 ? below : cy - top) * Math.sign(s) * Math.abs(s) ** power] as Point;
  });
}

/** Apex arc, lateral wall down to a sharp costophrenic angle, the diaphragm, straight medial side (the heart and mediastinum are cut out later). */
function lungOutline(rng: Rng, side: ImageSide, apex: number, diaphragm: Hemidiaphragm): { outline: Point[]; lateralAt: (y: number) => number } {
  const { width, costophrenic } = diaphragm;
  const apexX = rng.uniform(0.2, 0.26);
  const points: Point[] = [];
  // apex: half an ellipse from the medial side over the top
  const apexBottom = apex + 0.09;
  for (let i = 0; i <= 12; i++) {
    const t = Math.PI - (i / 12) * Math.PI * 0.62;
    points.push([apexX + (apexX - MEDIAL) * Math.cos(t), apexBottom - 0.09 * Math.sin(t)]);
  }
  const [startX, startY] = points[points.length - 1];
  const lateralAt = (y: number): number => {
    if (y <= startY) return startX;
    const t = Math.min(1, (y - startY) / (costophrenic - startY));
    // bows outward and reaches its widest at the costophrenic angle
    return startX + (width - startX) * Math.sin((t * Math.PI) / 2) ** 0.7;
  };
  for (let i = 1; i <= 20; i++) {
    const y = startY + ((costophrenic - startY) * i) / 20;
    points.push([lateralAt(y), y]);
  }
  for (let i = 1; i <= 24; i++) {
    const x = width - (width - MEDIAL) * (i / 24);
    points.push([x, diaphragm.at(x)]);
  }
  return { outline: points.map(([x, y]) => [x * side, y] as Point), lateralAt };
}

function vertebrae(rng: Rng): Point[][] {
  const height = rng.uniform(0.04, 0.048);
  const half = rng.uniform(0.05, 0.062);
  const shapes: Point[][] = [];
  for (let y = rng.uniform(0, height); y < 1.02; y += height) {
    const h = half * (0.85 + 0.3 * y);
    shapes.push([[-h, y], [h, y], [h * 1.04, y + height * 0.82], [-h * 1.04, y + height * 0.82]]);
  }
  return shapes;
}

function trachea(rng: Rng): Tube[] {
  const carina: Point = [rng.uniform(-0.01, 0.02), rng.uniform(0.3, 0.35)];
  const radius = rng.uniform(0.014, 0.018);
  return [
    { points: [[0, -0.02], [0.005, 0.15], carina], radii: [radius, radius, radius * 0.9] },
    { points: [carina, [carina[0] - 0.1, carina[1] + 0.07]], radii: [radius * 0.8, radius * 0.6] },
    { points: [carina, [carina[0] + 0.12, carina[1] + 0.09]], radii: [radius * 0.75, radius * 0.55] },
  ];
}

/**
 * Posterior ribs: from the spine each rises to a crest a fifth to a third of the way out, then slopes down
 * laterally, more steeply toward the chest wall and the lower down the rib. The intercostal spaces widen toward
 * the bases, and every rib draws its own gap, crest and width, as no two ribs are alike.
 */
function posteriorRibs(rng: Rng, side: ImageSide, apex: number, spacing: number, lateralAt: (y: number) => number): Tube[] {
  const ribs: Tube[] = [];
  let y0 = apex - 0.015;
  for (let k = 0; k < 10; k++) {
    const end = lateralAt(y0 + 0.08) + 0.05;
    const start = rng.uniform(0.05, 0.07);
    const crest = rng.uniform(0.2, 0.33);
    const rise = (0.025 + 0.01 * (k < 2 ? 2 - k : 0)) * rng.uniform(0.8, 1.2);
    const drop = (0.06 + 0.012 * k) * rng.uniform(0.85, 1.15);
    const radius = (0.011 + 0.0009 * k) * rng.uniform(0.85, 1.15);
    const points: Point[] = [];
    const radii: number[] = [];
    for (let i = 0; i <= 16; i++) {
      const u = i / 16;
      const lift = u < crest ? 1 - (1 - u / crest) ** 2 : 1;
      const fall = u < crest ? 0 : ((u - crest) / (1 - crest)) ** 1.7;
      points.push([(start + (end - start) * u) * side, y0 - rise * lift + drop * fall]);
      radii.push(radius * (0.8 + 0.25 * Math.sin(Math.PI * u)));
    }
    ribs.push({ points, radii });
    y0 += spacing * (0.82 + 0.04 * k) * rng.uniform(0.9, 1.1);
  }
  return ribs;
}

function anteriorRibs(rng: Rng, side: ImageSide, apex: number, spacing: number, lateralAt: (y: number) => number): Tube[] {
  const ribs: Tube[] = [];
  for (let k = 0; k < 6; k++) {
    const y0 = apex + 0.1 + k * spacing * 1.15 + rng.uniform(-0.005, 0.005);
    const start = lateralAt(y0) + 0.02;
    const stop = rng.uniform(0.16, 0.26);
    const points: Point[] = [];
    const radii: number[] = [];
    for (let i = 0; i <= 12; i++) {
      const u = i / 12;
      points.push([(start - (start - stop) * u) * side, y0 + 0.13 * u - 0.03 * Math.sin(Math.PI * u)]);
      radii.push(0.009 * (1 - 0.35 * u));
    }
    ribs.push({ points, radii });
  }
  return ribs;
}

function clavicle(rng: Rng, side: ImageSide, apex: number): Tube {
  const y0 = apex + rng.uniform(0.05, 0.09);
  const length = rng.uniform(0.48, 0.56);
  const points: Point[] = [];
  const radii: number[] = [];
  for (let i = 0; i <= 16; i++) {
    const u = i / 16;
    points.push([(0.05 + length * u) * side, y0 - 0.075 * u + 0.018 * Math.sin(2 * Math.PI * u)]);
    radii.push(0.013 * (1.15 - 0.35 * Math.sin(Math.PI * u)));
  }
  return { points, radii };
}

/**
 * Pulmonary arteries and veins as a binary tree from the hilum: each branch splits in two thinner, shorter ones,
 * so the markings taper toward the periphery and fade out before the pleura.
 */
function vesselTree(rng: Rng, side: ImageSide): Tube[] {
  const hilum: Point = [side * rng.uniform(0.13, 0.17), rng.uniform(0.4, 0.46) + (side === 1 ? -0.015 : 0)];
  const tubes: Tube[] = [];
  const trunks = 5 + rng.int(3);
  for (let i = 0; i < trunks; i++) {
    // from straight up (-90°) to down and out (+75°), measured from the lateral direction
    const angle = -1.6 + (3 * (i + rng.uniform(0.2, 0.8))) / trunks;
    grow(rng, tubes, hilum, side, angle, rng.uniform(0.06, 0.09), rng.uniform(0.008, 0.011), 0);
  }
  return tubes;
}

function grow(rng: Rng, tubes: Tube[], from: Point, side: ImageSide, angle: number, length: number, radius: number, depth: number): void {
  if (radius < 0.0005 || depth > 9) return;
  const bend = rng.uniform(-0.25, 0.25);
  const points: Point[] = [from];
  let [x, y] = from;
  let direction = angle;
  for (let i = 0; i < 3; i++) {
    direction += bend / 3;
    // x is in half widths, y in heights: a step of `length` heights is 2 * length in x
    x += side * Math.cos(direction) * (length / 3) * 2;
    y += Math.sin(direction) * (length / 3);
    points.push([x, y]);
  }
  const end = radius * 0.8;
  tubes.push({ points, radii: [radius, (radius * 2 + end) / 3, (radius + end * 2) / 3, end] });
  const spread = rng.uniform(0.3, 0.6);
  const skew = rng.uniform(-0.15, 0.15);
  for (const sign of [-1, 1]) {
    const share = rng.uniform(0.62, 0.8);
    grow(rng, tubes, [x, y], side, direction + sign * spread + skew, length * rng.uniform(0.72, 0.86), end * share, depth + 1);
  }
}

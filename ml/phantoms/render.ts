// A synthetic PA chest radiograph: the chest's shapes (anatomy.ts) rasterised into density layers, summed into a
// brightness map, put through a drawn exposure curve, with quantum noise and grain on top. A pneumothorax, when
// drawn, clears the lung markings and parenchymal texture from its region and adds the visceral pleural line.
// Each part draws from its own forked generator, so the same seed gives the same chest with or without one.
import type { Plane } from '../preprocess';
import { Rng } from '../random';
import { drawChest, type Chest, type ImageSide, type Tube } from './anatomy';
import { drawPneumothorax } from './pneumothorax';
import { blur, corticalTube, createCanvas, wideBlur, fillPolygon, solidTube, strokeTube, type Canvas, type Point, type Profile } from './raster';

export interface PhantomOptions {
  /** default 1024 */
  rows?: number;
  /** default: rows */
  columns?: number;
  /** share of positive phantoms over seeds (default 0.2) */
  positiveFraction?: number;
  /** force a pneumothorax (true) or none (false) instead of drawing it with positiveFraction */
  positive?: boolean;
  /**
   * share of negatives drawn with a pleura-like edge and no pneumothorax (default 0): the bright curved line a skin
   * fold or a scapular border makes, with the lung markings continuing across it — a hard negative for training,
   * since what tells a pneumothorax is the absent markings beyond the line, not the line alone
   */
  edgeMimicFraction?: number;
}

/** The patient's side, as in a report: the image left of a PA film is the patient's right. */
export type PatientSide = 'left' | 'right';

export interface Phantom {
  /** 8-bit values (whole numbers 0..255) */
  image: Plane;
  /** 1 inside the pneumothorax, row-major rows x columns */
  mask: Uint8Array;
  positive: boolean;
  side: PatientSide | null;
  meta: PhantomMeta;
}

export interface PhantomMeta {
  seed: number;
  rows: number;
  columns: number;
  exposure: { gain: number; offset: number; gamma: number; noise: number };
  pose: { rotationDegrees: number; scale: number; shiftX: number; shiftY: number };
  /** pixels in the mask, and as a share of that lung's pixels */
  area: number;
  lungShare: number;
  /** largest rim depth as a share of the centroid-to-wall distance (0 for negatives) */
  depth: number;
}

export const DEFAULT_POSITIVE_FRACTION = 0.2;
export const DEFAULT_PHANTOM_SIZE = 1024;

export function renderPhantom(seed: number, options: PhantomOptions = {}): Phantom {
  const rows = options.rows ?? DEFAULT_PHANTOM_SIZE;
  const columns = options.columns ?? rows;
  if (!(Number.isInteger(rows) && Number.isInteger(columns) && rows >= 64 && columns >= 64)) {
    throw new RangeError(`a phantom needs whole sizes of at least 64 pixels, got ${rows} x ${columns}`);
  }
  const fraction = options.positiveFraction ?? DEFAULT_POSITIVE_FRACTION;
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`positiveFraction must lie in 0..1, got ${fraction}`);
  const root = new Rng(seed);
  const anatomyRng = root.fork();
  const caseRng = root.fork();
  const poseRng = root.fork();
  const pneumothoraxRng = root.fork();
  const noiseRng = root.fork();
  const exposureRng = root.fork();
  // Forked last, so every draw above is the same whether or not a set asks for edge mimics.
  const mimicRng = root.fork();

  const positive = options.positive ?? caseRng.chance(fraction);
  const imageSide: ImageSide = caseRng.chance(0.5) ? -1 : 1;
  const chest = drawChest(anatomyRng);
  const pose = {
    rotationDegrees: poseRng.uniform(-3, 3),
    scale: poseRng.uniform(0.93, 1.04),
    shiftX: poseRng.uniform(-0.03, 0.03),
    shiftY: poseRng.uniform(-0.03, 0.03),
  };
  const frame = createFrame(rows, columns, pose);
  const layers = rasterise(chest, frame);

  const none = { mask: new Uint8Array(rows * columns), line: createCanvas(rows, columns), depth: 0, contrast: 0 };
  const mimic = !positive && (options.edgeMimicFraction ?? 0) > 0 && mimicRng.chance(options.edgeMimicFraction!);
  const pneumothorax = positive
    ? drawPneumothorax(pneumothoraxRng, layers.hardLungs[imageSide], rows, columns, imageSide, frame.unit / 1024)
    : mimic
      ? { ...none, line: drawPneumothorax(mimicRng, layers.hardLungs[imageSide], rows, columns, imageSide, frame.unit / 1024).line }
      : none;
  const exposure = {
    gain: exposureRng.uniform(0.85, 1.15),
    offset: exposureRng.uniform(-0.06, 0.04),
    gamma: exposureRng.uniform(0.85, 1.25),
    noise: exposureRng.uniform(2, 5),
  };
  const image = compose(layers, pneumothorax, exposure, noiseRng, frame.unit / 1024);
  const area = pneumothorax.mask.reduce((sum, v) => sum + v, 0);
  const lungPixels = layers.hardLungs[imageSide].reduce((sum, v) => sum + v, 0);
  return {
    image,
    mask: pneumothorax.mask,
    positive,
    side: positive ? (imageSide === -1 ? 'right' : 'left') : null,
    meta: { seed, rows, columns, exposure, pose, area, lungShare: positive ? area / lungPixels : 0, depth: pneumothorax.depth },
  };
}

interface Frame {
  rows: number;
  columns: number;
  /** pixels per image height */
  unit: number;
  toPixel(point: Point): Point;
}

/** Normalised chest coordinates to pixels, through the drawn pose (rotation and scale about the image centre, shift). */
function createFrame(rows: number, columns: number, pose: PhantomMeta['pose']): Frame {
  const angle = (pose.rotationDegrees * Math.PI) / 180;
  const cos = Math.cos(angle) * pose.scale;
  const sin = Math.sin(angle) * pose.scale;
  const cx = columns / 2 + pose.shiftX * columns;
  const cy = rows / 2 + pose.shiftY * rows;
  return {
    rows,
    columns,
    unit: rows * pose.scale,
    toPixel: ([x, y]) => {
      const dx = (x * columns) / 2;
      const dy = (y - 0.5) * rows;
      return [cx + dx * cos - dy * sin, cy + dx * sin + dy * cos];
    },
  };
}

interface Layers {
  /** blurred body mask: soft-tissue thickness */
  body: Canvas;
  /** soft lung fields (both), and each lung as a hard 0/1 mask */
  lungs: Canvas;
  hardLungs: Record<ImageSide, Uint8Array>;
  /** how deep inside the lung fields (thicker lung = darker) */
  lungDepth: Canvas;
  /** heart, bones and airways, weighted and summed */
  density: Canvas;
  vessels: Canvas;
  abdomen: Canvas;
}

function rasterise(chest: Chest, frame: Frame): Layers {
  const { rows, columns, unit } = frame;
  const px = (shape: readonly Point[]) => shape.map(frame.toPixel);
  const canvas = () => createCanvas(rows, columns);
  const stroke = (target: Canvas, tubes: Tube[], profile: Profile, intensity = 1) => {
    for (const tube of tubes) strokeTube(target, px(tube.points), tube.radii.map((r) => r * unit), profile, intensity);
  };

  const body = canvas();
  fillPolygon(body, px(chest.body));
  const bodyHard = Float32Array.from(body.data);
  wideBlur(body, 0.06 * unit);
  for (let i = 0; i < body.data.length; i++) body.data[i] = bodyHard[i] * (0.35 + 0.65 * Math.min(1, body.data[i] * 1.6));
  blur(body, 1.2 * (unit / 1024));

  const central = canvas();
  fillPolygon(central, px(chest.mediastinum));
  const abdomenHard = canvas();
  fillPolygon(abdomenHard, px(chest.abdomen));
  // the heart sits on the diaphragm: below it, the abdomen's density takes over
  const heartShape = canvas();
  fillPolygon(heartShape, px(chest.heart));
  for (let i = 0; i < heartShape.data.length; i++) heartShape.data[i] *= 1 - abdomenHard.data[i];
  const hardLungs = {} as Record<ImageSide, Uint8Array>;
  const lungs = canvas();
  for (const side of [-1, 1] as ImageSide[]) {
    const lung = canvas();
    fillPolygon(lung, px(chest.lungs[side]));
    const hard = new Uint8Array(rows * columns);
    for (let i = 0; i < hard.length; i++) hard[i] = lung.data[i] && !central.data[i] && !heartShape.data[i] ? 1 : 0;
    hardLungs[side] = hard;
    for (let i = 0; i < hard.length; i++) lungs.data[i] += hard[i];
  }
  const lungDepth = createCanvas(rows, columns);
  lungDepth.data.set(lungs.data);
  wideBlur(lungDepth, 0.04 * unit);
  blur(lungs, 1.5 * (unit / 1024));

  // heart, bones and airways share one blur: their weights are applied before it
  const ribs = canvas();
  stroke(ribs, chest.posteriorRibs, corticalTube);
  stroke(ribs, chest.anteriorRibs, corticalTube, 0.45);
  stroke(ribs, chest.clavicles, corticalTube, 1.2);
  const vertebrae = canvas();
  for (const vertebra of chest.vertebrae) fillPolygon(vertebrae, px(vertebra));
  const airways = canvas();
  stroke(airways, chest.trachea, solidTube);
  const density = canvas();
  for (let i = 0; i < density.data.length; i++) {
    const lung = lungs.data[i];
    density.data[i] = (0.17 * ribs.data[i] * (0.4 + 0.6 * lung) + 0.06 * vertebrae.data[i] + 0.04 * heartShape.data[i] - 0.09 * airways.data[i]) * bodyHard[i];
  }
  blur(density, 1.5 * (unit / 1024));

  const vessels = canvas();
  stroke(vessels, [...chest.vessels[-1], ...chest.vessels[1]], solidTube);
  blur(vessels, 1.1 * (unit / 1024));

  const abdomen = abdomenHard;
  if (chest.stomachBubble) fillPolygon(abdomen, px(chest.stomachBubble), -0.6);
  wideBlur(abdomen, 0.02 * unit);

  return { body, lungs, hardLungs, lungDepth, density, vessels, abdomen };
}

interface Exposure {
  gain: number;
  offset: number;
  gamma: number;
  noise: number;
}

function compose(layers: Layers, pneumothorax: { mask: Uint8Array; line: Canvas; contrast: number }, exposure: Exposure, rng: Rng, scale: number): Plane {
  const { rows, columns } = layers.body;
  const n = rows * columns;
  const clear = createCanvas(rows, columns);
  for (let i = 0; i < n; i++) clear.data[i] = pneumothorax.mask[i];
  blur(clear, 0.7 * scale);
  const line = blur(pneumothorax.line, 0.6 * scale);
  const texture = textureField(rng, rows, columns, 2.5 * scale);

  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const lung = layers.lungs.data[i];
    const markings = 1 - clear.data[i];
    const tissue = layers.body.data[i] * (0.6 + 0.08 * layers.abdomen.data[i]);
    let b = tissue - lung * (0.36 + 0.14 * layers.lungDepth.data[i]) * (1 - 0.6 * layers.abdomen.data[i]);
    b += layers.density.data[i] * (1 - 0.5 * layers.abdomen.data[i]);
    b += lung * markings * (0.2 * layers.vessels.data[i] + 0.022 * texture[i]);
    b -= lung * clear.data[i] * 0.07 * pneumothorax.contrast;
    b += 0.13 * line.data[i] * lung;
    const v = Math.max(0, exposure.offset + exposure.gain * b);
    const value = 255 * Math.min(1, v) ** exposure.gamma;
    // quantum noise: white, stronger where fewer photons got through (bright)
    data[i] = value + exposure.noise * (0.4 + v) * 3.46 * (rng.next() - 0.5);
  }
  for (let i = 0; i < n; i++) data[i] = Math.round(Math.min(255, Math.max(0, data[i])));
  return { rows, columns, data };
}

/** Parenchymal texture: Gaussian noise blurred to a grain of about `sigma` pixels (drawn at half size), unit variance. */
function textureField(rng: Rng, rows: number, columns: number, sigma: number): Float32Array {
  const field = createCanvas(rows, columns);
  const half = createCanvas(Math.ceil(rows / 2), Math.ceil(columns / 2));
  for (let i = 0; i < half.data.length; i++) half.data[i] = rng.normal();
  blur(half, sigma / 2);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) field.data[r * columns + c] = half.data[(r >> 1) * half.columns + (c >> 1)];
  blur(field, 0.8);
  let sum = 0;
  for (const v of field.data) sum += v * v;
  const scale = 1 / Math.sqrt(sum / field.data.length || 1);
  for (let i = 0; i < field.data.length; i++) field.data[i] *= scale;
  return field.data;
}

import type { Plane } from '../../preprocess';
import type { Rng } from '../../random';

export type { Plane };

/** A label plane: row-major, one byte per pixel, 0 or 1. */
export interface Mask {
  rows: number;
  columns: number;
  data: Uint8Array;
}

export interface Shape {
  rows: number;
  columns: number;
}

/** An image with its label; every transform moves both the same way. */
export interface Labelled {
  image: Plane;
  mask: Mask;
}

/**
 * One augmentation, albumentations-style: `sample` holds all the randomness and returns plain parameters; the
 * apply functions are deterministic given them, so the image and its mask get the same draw and a run can be
 * replayed from the parameters alone.
 */
export interface Transform<P = unknown> {
  readonly name: string;
  /** Probability that a Compose applies it; inside a OneOf it is the child's relative weight instead. */
  readonly p: number;
  sample(rng: Rng, shape: Shape): P;
  applyImage(image: Plane, params: P): Plane;
  applyMask(mask: Mask, params: P): Mask;
  /** The shape the transform produces (only Resize and compositions containing it change it). */
  outputShape(shape: Shape): Shape;
}

export const sameShape = (shape: Shape): Shape => shape;

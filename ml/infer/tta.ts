// Horizontal-flip test-time augmentation (science.md): the model sees the image and its mirror; the mirror's
// probabilities are flipped back and averaged with the plain ones. The two views go through the model in one batch
// of 2 or in two passes of 1 (InferenceOptions.ttaPasses): the same arithmetic on the same logits either way.
import { flipHorizontal, writeModelInput, type Normalisation, type Plane } from '../preprocess';

export type TtaMode = 'none' | 'hflip';
export const ttaModes: readonly TtaMode[] = ['none', 'hflip'];

/** The views the model sees: the plane, then (hflip) its mirror. */
export function ttaViews(plane: Plane, tta: TtaMode): Plane[] {
  return tta === 'hflip' ? [plane, flipHorizontal(plane)] : [plane];
}

/** One NCHW batch [views.length, 3, rows, columns] of same-size views. */
export function modelBatch(views: readonly Plane[], normalisation: Normalisation): Float32Array {
  const size = views[0].rows * views[0].columns * 3;
  const batch = new Float32Array(views.length * size);
  views.forEach((view, k) => writeModelInput(view, normalisation, batch, k * size));
  return batch;
}

/** Probabilities for the image from the logits of its views (ttaViews order, each [rows, columns]): sigmoid, un-flip, average. */
export function mergeTtaMaps(viewLogits: readonly Float32Array[], rows: number, columns: number, tta: TtaMode): Plane {
  const plain = sigmoidOf(viewLogits[0]);
  if (tta === 'none') return { rows, columns, data: plain };
  const mirrored = flipHorizontal({ rows, columns, data: sigmoidOf(viewLogits[1]) }).data;
  for (let i = 0; i < plain.length; i++) plain[i] = (plain[i] + mirrored[i]) / 2;
  return { rows, columns, data: plain };
}

/** P(non-empty) from the classification logits of the views: the mean over the plain and mirrored image. */
export function mergeTtaScores(clsLogits: readonly number[]): number {
  return clsLogits.reduce((sum, v) => sum + sigmoid(v), 0) / clsLogits.length;
}

export function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

function sigmoidOf(logits: Float32Array): Float32Array {
  const out = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = sigmoid(logits[i]);
  return out;
}

import type { Rng } from '../../random';
import { memoisedMap, remapBilinear, remapNearest, type CoordinateMap } from './remap';
import { sameShape, type Shape, type Transform } from './types';

/**
 * A shape-keeping warp described by a coordinate map: bilinear for the image, nearest for the mask, both read
 * through the one map built for the draw (albumentations' DualTransform with interpolation / mask_interpolation).
 */
export function geometricTransform<P extends object>(spec: {
  name: string;
  p: number;
  sample(rng: Rng, shape: Shape): P;
  map(params: P, shape: Shape): CoordinateMap;
}): Transform<P> {
  const mapFor = memoisedMap(spec.map);
  return {
    name: spec.name,
    p: spec.p,
    sample: spec.sample,
    applyImage: (image, params) => remapBilinear(image, mapFor(params, image)),
    applyMask: (mask, params) => remapNearest(mask, mapFor(params, mask)),
    outputShape: sameShape,
  };
}

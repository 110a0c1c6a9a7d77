// The overlay canvas draws in image pixels; the viewport maps them to canvas pixels with pan, zoom and any flip.
// That map is affine, so three points fix it: where the image's origin and its two unit steps land.

export type Point = readonly [number, number];
/** Canvas 2D's setTransform(a, b, c, d, e, f): x' = a·x + c·y + e, y' = b·x + d·y + f. */
export type Affine = readonly [number, number, number, number, number, number];

/** The affine map taking image (0, 0), (1, 0) and (0, 1) to `origin`, `xStep` and `yStep`. */
export function affineFromPoints(origin: Point, xStep: Point, yStep: Point): Affine {
  return [xStep[0] - origin[0], xStep[1] - origin[1], yStep[0] - origin[0], yStep[1] - origin[1], origin[0], origin[1]];
}

export function applyAffine([a, b, c, d, e, f]: Affine, [x, y]: Point): [number, number] {
  return [a * x + c * y + e, b * x + d * y + f];
}

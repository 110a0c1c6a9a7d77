export type { Radiograph, Plane, Normalisation } from './types';
export { toEightBit } from './eight-bit';
export { resizeBilinear, flipHorizontal } from './resize';
export { writeModelInput } from './model-input';

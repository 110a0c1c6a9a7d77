export { createAdam, type Adam, type AdamOptions } from './adam';
export { clipByGlobalNorm, type ClippedGradients } from './clip';
export type { AdamEntry, OptimState } from './state';

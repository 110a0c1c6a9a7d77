export { createAdam, type Adam, type AdamOptions, type Optimizer } from './adam';
export { createSgd, type SgdOptions } from './sgd';
export { clipByGlobalNorm, type ClippedGradients } from './clip';
export type { AdamEntry, OptimState, SgdEntry } from './state';

// Training losses on TF.js ops that have gradients on every backend (science.md, Losses).
export * from './types';
export * from './bce';
export * from './dice';
export * from './focal';
export * from './lovasz';
export * from './combo';
export * from './multi-task';
export * from './spec';

// Post-processing and the challenge metric: probability maps and masks in, masks, findings and scores out.
export * from './raster';
export * from './area-scale';
export * from './runs';
export * from './rle';
export * from './mask-table';
export * from './metric';
export * from './table-score';
export * from './components';
export * from './regions';
export * from './rules';
export * from './orientation';
export * from './findings';
export * from './held-back';
export * from './triage';
export * from './threshold-search';

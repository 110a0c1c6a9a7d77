// ml/infer: from a radiograph to a probability map (and P(non-empty)) through one or more engines.
export { inferRadiograph, type InferenceModel, type InferenceOptions, type InferenceResult, type InferenceTimings, type InputSize, type Stacking, type TtaPasses } from './pipeline';
export { normaliseWeights } from './ensemble';
export { mergeTtaMaps, mergeTtaScores, modelBatch, sigmoid, ttaModes, ttaViews, type TtaMode } from './tta';
export { fitStacking, stackedProbability, StackingError, type MetaModel, type StackingFit, type StackingMetrics } from './stacking';

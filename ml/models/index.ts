// ml/models: one definition per architecture as a typed graph IR, plus what reads it without running it.
export type * from './ir';
export type { ArchName, ModelDefinition, ModelMetadata } from './types';
export { checkInputSize } from './types';
export { architectureNames, createModel, isArchName, type ArchOptions } from './registry';
export { encoderNames, getEncoder, type Encoder } from './encoders';
export { countFlops, countParameters, type FlopCount } from './counters';
export { inferShapes, type InputSize, type Shape } from './shapes';
export { initialWeights, resolveWeights, type WeightMap } from './weights';
export { usedParamNames, validateGraph } from './ir';

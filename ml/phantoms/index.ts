export { renderPhantom, DEFAULT_POSITIVE_FRACTION, DEFAULT_PHANTOM_SIZE } from './render';
export type { Phantom, PhantomMeta, PhantomOptions, PatientSide } from './render';

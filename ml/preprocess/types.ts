/**
 * A radiograph as ml/ sees it: the decoded values after the modality transform (before VOI and before
 * MONOCHROME1 inversion), with what is needed to turn them into the 8-bit image the models were trained on.
 * ml/ never sees DICOM; main/ fills this from its one decode path.
 */
export interface Radiograph {
  rows: number;
  columns: number;
  /** row-major, rows * columns */
  pixels: Float32Array;
  /** the file's VOI window, or the full range of the values when the file has none */
  window: { center: number; width: number };
  /** MONOCHROME1: low values are bright */
  invert: boolean;
  /** stored as 8-bit with an identity modality transform (all SIIM data): used as is, no windowing */
  eightBit: boolean;
}

/** A single-channel image, row-major. */
export interface Plane {
  rows: number;
  columns: number;
  data: Float32Array;
}

/** How the model's input is normalised after dividing by 255 (science.md: AlbuNet and SE-ResNeXt none, ResNet50 ImageNet). */
export type Normalisation = 'none' | 'imagenet';

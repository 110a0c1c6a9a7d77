// Window presets for radiographs. A CR or DX film's pixel values measure exposure at the detector, not Hounsfield
// units, so CT's fixed windows (lung W 1500 / L -600) mean nothing on it. Each preset is instead a reshaping of the
// file's own window (the full pixel range where the file has none): "lung" narrows it onto the dark half, where a
// pleural line and the missing lung markings beyond it are seen; "mediastinum" narrows it onto the bright half;
// "bone" widens it so cortex and trabeculae both keep their contrast. Dark is low values in MONOCHROME2 and high
// values in MONOCHROME1 (the pixels as decoded, before any inversion the reviewer toggles).
import type { VoiWindow } from '../../main/api/contract';

export type WindowPreset = 'lung' | 'mediastinum' | 'bone' | 'file';

export const windowPresetLabels: Record<WindowPreset, string> = {
  lung: 'Lung',
  mediastinum: 'Mediastinum',
  bone: 'Bone',
  file: "File's window",
};

/** Each preset's centre, moved towards dark (negative) or bright by a fraction of the file's width, and its width as a multiple of it. */
const shapes: Record<Exclude<WindowPreset, 'file'>, { towardsBright: number; width: number }> = {
  lung: { towardsBright: -0.2, width: 0.6 },
  mediastinum: { towardsBright: 0.25, width: 0.6 },
  bone: { towardsBright: 0.1, width: 1.5 },
};

/** The window a preset shows, from the file's window and whether the pixels are MONOCHROME1 (high values dark). */
export function presetWindow(preset: WindowPreset, file: VoiWindow, monochrome1: boolean): VoiWindow {
  if (preset === 'file') return file;
  const shape = shapes[preset];
  const brightUp = monochrome1 ? -1 : 1;
  return { center: file.center + brightUp * shape.towardsBright * file.width, width: file.width * shape.width };
}

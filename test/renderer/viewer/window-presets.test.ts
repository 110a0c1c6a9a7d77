import { describe, expect, it } from 'vitest';
import { presetWindow } from '../../../renderer/viewer/window-presets';

const file = { center: 2000, width: 1000 };

describe('window presets for radiographs', () => {
  it("shows the file's own window as it is", () => {
    expect(presetWindow('file', file, false)).toEqual(file);
    expect(presetWindow('file', file, true)).toEqual(file);
  });

  it('narrows onto the dark half for the lungs: low values in MONOCHROME2, high ones in MONOCHROME1', () => {
    // centre 2000 - 0.2 x 1000, width 0.6 x 1000
    expect(presetWindow('lung', file, false)).toEqual({ center: 1800, width: 600 });
    expect(presetWindow('lung', file, true)).toEqual({ center: 2200, width: 600 });
  });

  it('narrows onto the bright half for the mediastinum, and widens for bone', () => {
    expect(presetWindow('mediastinum', file, false)).toEqual({ center: 2250, width: 600 });
    expect(presetWindow('mediastinum', file, true)).toEqual({ center: 1750, width: 600 });
    expect(presetWindow('bone', file, false)).toEqual({ center: 2100, width: 1500 });
  });
});

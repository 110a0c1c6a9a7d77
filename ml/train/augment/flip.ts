import { flipHorizontal } from '../../preprocess';
import { sameShape, type Mask, type Transform } from './types';

/** albumentations HorizontalFlip (p 0.5): no parameters to draw. */
export function horizontalFlip({ p = 0.5 } = {}): Transform<null> {
  return {
    name: 'HorizontalFlip',
    p,
    sample: () => null,
    applyImage: (image) => flipHorizontal(image),
    applyMask: flipMask,
    outputShape: sameShape,
  };
}

function flipMask({ rows, columns, data }: Mask): Mask {
  const out = new Uint8Array(data.length);
  for (let r = 0; r < rows; r++) {
    const row = r * columns;
    for (let x = 0; x < columns; x++) out[row + x] = data[row + columns - 1 - x];
  }
  return { rows, columns, data: out };
}

// Text burned into exported pixels, with no font library: the classic 5x7 ASCII font (space to underscore; lower
// case is drawn as upper case). Each glyph is five columns, one byte each, bit 0 the top row.
import type { RgbImage } from './rgb-image';

const GLYPHS =
  '0000000000' + '00005f0000' + '0007000700' + '147f147f14' + '242a7f2a12' + '2313086462' + '3649552250' + '0005030000' +
  '001c224100' + '0041221c00' + '082a1c2a08' + '08083e0808' + '0050300000' + '0808080808' + '0060600000' + '2010080402' +
  '3e5149453e' + '00427f4000' + '4261514946' + '2141454b31' + '1814127f10' + '2745454539' + '3c4a494930' + '0171090503' +
  '3649494936' + '064949291e' + '0036360000' + '0056360000' + '0008142241' + '1414141414' + '4122140800' + '0201510906' +
  '324979413e' + '7e1111117e' + '7f49494936' + '3e41414122' + '7f4141221c' + '7f49494941' + '7f09090101' + '3e41415132' +
  '7f0808087f' + '00417f4100' + '2040413f01' + '7f08142241' + '7f40404040' + '7f0204027f' + '7f0408107f' + '3e4141413e' +
  '7f09090906' + '3e4151215e' + '7f09192946' + '4649494931' + '01017f0101' + '3f4040403f' + '1f2040201f' + '7f2018207f' +
  '6314081463' + '0304780403' + '6151494543' + '00007f4141' + '0204081020' + '41417f0000' + '0402010204' + '4040404040';

const FIRST = 0x20;
const LAST = 0x5f;
export const GLYPH_COLUMNS = 5;
export const GLYPH_ROWS = 7;
/** a glyph and the gap after it */
export const CELL_COLUMNS = GLYPH_COLUMNS + 1;

function glyphColumn(char: string, column: number): number {
  let codePoint = char.toUpperCase().charCodeAt(0);
  if (!(codePoint >= FIRST && codePoint <= LAST)) codePoint = '?'.charCodeAt(0);
  const at = ((codePoint - FIRST) * GLYPH_COLUMNS + column) * 2;
  return parseInt(GLYPHS.slice(at, at + 2), 16);
}

/** Draws the text with its top-left corner at (x, y); pixels outside the image are skipped. */
export function drawText(image: RgbImage, text: string, x: number, y: number, scale: number, color: readonly [number, number, number]): void {
  for (let k = 0; k < text.length; k++) {
    for (let column = 0; column < GLYPH_COLUMNS; column++) {
      const bits = glyphColumn(text[k], column);
      for (let row = 0; row < GLYPH_ROWS; row++) {
        if ((bits >> row) & 1) fillRect(image, x + (k * CELL_COLUMNS + column) * scale, y + row * scale, scale, scale, color);
      }
    }
  }
}

export function fillRect(image: RgbImage, x: number, y: number, width: number, height: number, color: readonly [number, number, number]): void {
  for (let r = Math.max(0, y); r < Math.min(image.rows, y + height); r++) {
    for (let c = Math.max(0, x); c < Math.min(image.columns, x + width); c++) {
      const at = (r * image.columns + c) * 3;
      image.data[at] = color[0];
      image.data[at + 1] = color[1];
      image.data[at + 2] = color[2];
    }
  }
}

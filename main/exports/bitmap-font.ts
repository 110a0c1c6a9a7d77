// Text burned into exported pixels, with no font library: the classic 5x7 font for ASCII, drawn in capitals, grown
// to Latin-1 and Latin Extended-A so that reviewers' names keep their letters (Zoë, Łukasiewicz, Øster, Ćosić).
//
// A letter with diacritics is drawn as its base capital with the marks over or under it (Unicode's canonical
// decomposition: "é" is "e" and a combining acute). Letters without one (Æ, Ø, Ł, Đ, Œ, Þ, Ħ, Ŧ, Ŋ) and the Latin-1
// signs have glyphs of their own. Text is spelt in capitals first: "ß" as "SS", "ŉ" as "'N"; compatibility forms
// as what they stand for ("²" as "2", "¼" as "1/4", "ĳ" as "IJ"). Anything else (CJK, Cyrillic, …) is drawn as a
// hollow box, one per character, so a name the font cannot show is never mistaken for letters.
import type { RgbImage } from './rgb-image';

/** ASCII space to underscore; each glyph is five columns, one byte each, bit 0 the top row. */
const ASCII_GLYPHS =
  '0000000000' + '00005f0000' + '0007000700' + '147f147f14' + '242a7f2a12' + '2313086462' + '3649552250' + '0005030000' +
  '001c224100' + '0041221c00' + '082a1c2a08' + '08083e0808' + '0050300000' + '0808080808' + '0060600000' + '2010080402' +
  '3e5149453e' + '00427f4000' + '4261514946' + '2141454b31' + '1814127f10' + '2745454539' + '3c4a494930' + '0171090503' +
  '3649494936' + '064949291e' + '0036360000' + '0056360000' + '0008142241' + '1414141414' + '4122140800' + '0201510906' +
  '324979413e' + '7e1111117e' + '7f49494936' + '3e41414122' + '7f4141221c' + '7f49494941' + '7f09090101' + '3e41415132' +
  '7f0808087f' + '00417f4100' + '2040413f01' + '7f08142241' + '7f40404040' + '7f0204027f' + '7f0408107f' + '3e4141413e' +
  '7f09090906' + '3e4151215e' + '7f09192946' + '4649494931' + '01017f0101' + '3f4040403f' + '1f2040201f' + '7f2018207f' +
  '6314081463' + '0304780403' + '6151494543' + '00007f4141' + '0204081020' + '41417f0000' + '0402010204' + '4040404040';
const ASCII_FIRST = 0x20;
const ASCII_LAST = 0x5f;

export const GLYPH_COLUMNS = 5;
/** the letters' rows */
export const GLYPH_ROWS = 7;
/** rows above the letters for their marks, which also keep one line clear of the next */
const ABOVE = 2;
/**
 * A line of text: two rows for marks over the letters, seven for the letters, one for marks under them (cedilla,
 * ogonek).
 */
export const LINE_ROWS = ABOVE + GLYPH_ROWS + 1;
/** a glyph and the gap after it */
export const CELL_COLUMNS = GLYPH_COLUMNS + 1;

/** Five columns of LINE_ROWS bits, bit 0 the top row of the line. */
type Glyph = readonly number[];

/** Rows of "X" and ".", top first: the letter's seven rows, then optionally the row under them. */
function fromRows(rows: readonly string[], top = ABOVE): Glyph {
  return Array.from({ length: GLYPH_COLUMNS }, (_, column) => rows.reduce((bits, row, r) => (row[column] === 'X' ? bits | (1 << (top + r)) : bits), 0));
}

const asciiGlyph = (codePoint: number): Glyph =>
  Array.from({ length: GLYPH_COLUMNS }, (_, column) => {
    const at = ((codePoint - ASCII_FIRST) * GLYPH_COLUMNS + column) * 2;
    return parseInt(ASCII_GLYPHS.slice(at, at + 2), 16) << ABOVE;
  });

/** The rest of ASCII, the Latin-1 signs and the letters that have no decomposition. */
const OWN_GLYPHS: Record<string, Glyph> = Object.fromEntries(
  Object.entries({
    '`': ['.X...', '..X..', '.....', '.....', '.....', '.....', '.....'],
    '{': ['..XX.', '.X...', '.X...', 'X....', '.X...', '.X...', '..XX.'],
    '|': ['..X..', '..X..', '..X..', '..X..', '..X..', '..X..', '..X..'],
    '}': ['.XX..', '...X.', '...X.', '....X', '...X.', '...X.', '.XX..'],
    '~': ['.....', '.....', '.X...', 'X.X.X', '...X.', '.....', '.....'],
    '¡': ['..X..', '.....', '..X..', '..X..', '..X..', '..X..', '..X..'],
    '¢': ['..X..', '.XXX.', 'X.X..', 'X.X..', 'X.X..', '.XXX.', '..X..'],
    '£': ['..XX.', '.X..X', '.X...', 'XXX..', '.X...', '.X...', 'XXXXX'],
    '¤': ['.....', 'X...X', '.XXX.', '.X.X.', '.XXX.', 'X...X', '.....'],
    '¥': ['X...X', '.X.X.', 'XXXXX', '..X..', 'XXXXX', '..X..', '..X..'],
    '¦': ['..X..', '..X..', '..X..', '.....', '..X..', '..X..', '..X..'],
    '§': ['.XXX.', 'X....', 'XXX..', 'X..X.', '..XXX', '....X', '.XXX.'],
    '©': ['.XXX.', 'X...X', 'X.XXX', 'X.X.X', 'X.XXX', 'X...X', '.XXX.'],
    '«': ['.....', '..X.X', '.X.X.', 'X.X..', '.X.X.', '..X.X', '.....'],
    '¬': ['.....', '.....', 'XXXXX', '....X', '....X', '.....', '.....'],
    '®': ['.XXX.', 'XXX.X', 'XX.XX', 'XXX.X', 'XX.XX', 'X...X', '.XXX.'],
    '°': ['.XX..', 'X..X.', 'X..X.', '.XX..', '.....', '.....', '.....'],
    '±': ['..X..', '..X..', 'XXXXX', '..X..', '..X..', '.....', 'XXXXX'],
    'µ': ['.....', '.....', 'X...X', 'X...X', 'X..XX', 'XXX.X', 'X....'],
    '¶': ['.XXXX', 'XXX.X', 'XXX.X', '.XX.X', '..X.X', '..X.X', '..X.X'],
    '·': ['.....', '.....', '.....', '..X..', '.....', '.....', '.....'],
    '»': ['.....', 'X.X..', '.X.X.', '..X.X', '.X.X.', 'X.X..', '.....'],
    '¿': ['..X..', '.....', '..X..', '.X...', 'X....', 'X...X', '.XXX.'],
    '×': ['.....', 'X...X', '.X.X.', '..X..', '.X.X.', 'X...X', '.....'],
    '÷': ['.....', '..X..', '.....', 'XXXXX', '.....', '..X..', '.....'],
    Æ: ['.XXXX', 'X.X..', 'X.X..', 'XXXXX', 'X.X..', 'X.X..', 'X.XXX'],
    Ð: ['.XXX.', '.X..X', '.X..X', 'XXX.X', '.X..X', '.X..X', '.XXX.'],
    Đ: ['.XXX.', '.X..X', '.X..X', 'XXX.X', '.X..X', '.X..X', '.XXX.'],
    Ø: ['.XXX.', 'X...X', 'X..XX', 'X.X.X', 'XX..X', 'X...X', '.XXX.'],
    Þ: ['X....', 'XXXX.', 'X...X', 'X...X', 'XXXX.', 'X....', 'X....'],
    Ħ: ['X...X', 'XXXXX', 'X...X', 'XXXXX', 'X...X', 'X...X', 'X...X'],
    Ł: ['.X...', '.X...', '.XX..', 'XX...', '.X...', '.X...', '.XXXX'],
    Ŧ: ['XXXXX', '..X..', '..X..', '.XXX.', '..X..', '..X..', '..X..'],
    Ŋ: ['X...X', 'XX..X', 'X.X.X', 'X..XX', 'X...X', 'X...X', 'X...X', '...X.'],
    Œ: ['.XXXX', 'X.X..', 'X.X..', 'X.XXX', 'X.X..', 'X.X..', '.XXXX'],
  }).map(([char, rows]) => [char, fromRows(rows)]),
);

/** Combining marks: two rows over the letter, or the one under it. */
const MARKS: Record<string, Glyph> = Object.fromEntries(
  Object.entries({
    '\u0300': ['.X...', '..X..'], // grave
    '\u0301': ['...X.', '..X..'], // acute
    '\u0302': ['..X..', '.X.X.'], // circumflex
    '\u0303': ['.X.XX', 'X.X..'], // tilde
    '\u0304': ['.XXX.', '.....'], // macron
    '\u0306': ['X...X', '.XXX.'], // breve
    '\u0307': ['..X..', '.....'], // dot above
    '\u0308': ['.X.X.', '.....'], // diaeresis
    '\u030a': ['.XXX.', '.X.X.'], // ring above
    '\u030b': ['..X.X', '.X.X.'], // double acute
    '\u030c': ['.X.X.', '..X..'], // caron
  })
    .map(([mark, rows]) => [mark, fromRows(rows, 0)] as const)
    .concat(
      Object.entries({
        '\u0327': ['..XX.'], // cedilla
        '\u0328': ['...XX'], // ogonek
      }).map(([mark, rows]) => [mark, fromRows(rows, ABOVE + GLYPH_ROWS)] as const),
    ),
);

/** Spacing forms of the marks (Latin-1's ¨ ¯ ´ ¸): the mark over or under nothing. */
const SPACING_MARKS: Record<string, string> = { '¨': '\u0308', '¯': '\u0304', '´': '\u0301', '¸': '\u0327' };

/** What a character with no glyph of its own, no decomposition into one, stands for. */
const STANDS_FOR: Record<string, string> = { ĸ: 'K', 'ʼ': "'", '⁄': '/', '\u00ad': '-' };

const NOT_DRAWABLE = '\ufffd';
const NOTDEF: Glyph = fromRows(['XXXXX', 'X...X', 'X...X', 'X...X', 'X...X', 'X...X', 'XXXXX']);

const merged = (...glyphs: Glyph[]): Glyph => Array.from({ length: GLYPH_COLUMNS }, (_, column) => glyphs.reduce((bits, glyph) => bits | glyph[column], 0));

/** The glyph of one character as the text holds it (any case), or null when the font cannot draw it. */
function glyphOf(char: string): Glyph | null {
  const upper = char.toUpperCase();
  const key = upper.length === 1 ? upper : char;
  const codePoint = key.codePointAt(0)!;
  if (codePoint >= ASCII_FIRST && codePoint <= ASCII_LAST) return asciiGlyph(codePoint);
  const own = OWN_GLYPHS[char] ?? OWN_GLYPHS[key];
  if (own) return own;
  if (SPACING_MARKS[char]) return MARKS[SPACING_MARKS[char]];
  const [base, ...marks] = key.normalize('NFD');
  if (marks.length === 0 || !marks.every((mark) => MARKS[mark])) return null;
  const baseGlyph = glyphOf(base);
  return baseGlyph && merged(baseGlyph, ...marks.map((mark) => MARKS[mark]));
}

/**
 * The text as the font spells it, one character a cell: capitals where a capital is longer ("ß" → "SS"),
 * compatibility forms by what they stand for, and U+FFFD (drawn as a box) for what it cannot draw.
 */
export function fontText(text: string): string {
  let spelt = '';
  // Composed first: "e" and a combining acute is "é".
  for (const char of text.normalize('NFC')) spelt += spell(char);
  return spelt;
}

function spell(char: string): string {
  if (glyphOf(char)) return char;
  const upper = char.toUpperCase();
  if (upper.length > 1) return fontText(upper);
  if (STANDS_FOR[char]) return STANDS_FOR[char];
  const compatible = char.normalize('NFKD');
  if (compatible !== char && compatible.normalize('NFC') !== char) return fontText(compatible.normalize('NFC'));
  return NOT_DRAWABLE;
}

/** Draws text spelt by fontText with its line's top-left corner at (x, y); pixels outside the image are skipped. */
export function drawText(image: RgbImage, text: string, x: number, y: number, scale: number, color: readonly [number, number, number]): void {
  [...text].forEach((char, k) => {
    const glyph = glyphOf(char) ?? NOTDEF;
    for (let column = 0; column < GLYPH_COLUMNS; column++) {
      for (let row = 0; row < LINE_ROWS; row++) {
        if ((glyph[column] >> row) & 1) fillRect(image, x + (k * CELL_COLUMNS + column) * scale, y + row * scale, scale, scale, color);
      }
    }
  });
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

import { describe, expect, it } from 'vitest';
import { CELL_COLUMNS, drawText, fontText, LINE_ROWS } from '../../../main/exports/bitmap-font';

/** The text drawn at scale 1, as rows of "X" and "." (one cell of six columns a character). */
function render(text: string): string[] {
  const columns = [...text].length * CELL_COLUMNS;
  const image = { rows: LINE_ROWS, columns, data: new Uint8Array(LINE_ROWS * columns * 3) };
  drawText(image, text, 0, 0, 1, [255, 255, 255]);
  return Array.from({ length: LINE_ROWS }, (_, r) => Array.from({ length: columns }, (_, c) => (image.data[(r * columns + c) * 3] ? 'X' : '.')).join(''));
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => String.fromCodePoint(from + k));
const printableAscii = range(0x20, 0x7e);
const latin1 = range(0xa0, 0xff);
const latinExtendedA = range(0x100, 0x17f);

describe('the burned-in font', () => {
  it('spells every printable character of ASCII, Latin-1 and Latin Extended-A without a replacement', () => {
    for (const char of [...printableAscii, ...latin1, ...latinExtendedA]) expect(fontText(char), `U+${char.codePointAt(0)!.toString(16)}`).not.toContain('\ufffd');
  });

  it('keeps names as written, in capitals where the capital is longer, and compatibility forms as what they stand for', () => {
    expect(fontText('Zoë Łukasiewicz')).toBe('Zoë Łukasiewicz');
    expect(fontText('Ćosić, Øster')).toBe('Ćosić, Øster');
    expect(fontText('Straße')).toBe('StraSSe');
    expect(fontText('ĳssel ¼ m²')).toBe('ijssel 1/4 m2');
    expect(fontText('ŉ')).toBe("'N");
    expect(fontText('e\u0301')).toBe('é');
  });

  it('replaces what it cannot draw (CJK, Cyrillic) with one box a character', () => {
    expect(fontText('山田 Иван')).toBe('\ufffd\ufffd \ufffd\ufffd\ufffd\ufffd');
    expect(render('山')).toEqual(['......', '......', 'XXXXX.', 'X...X.', 'X...X.', 'X...X.', 'X...X.', 'X...X.', 'XXXXX.', '......']);
  });

  it('draws a letter with diacritics as its capital with the marks over or under it', () => {
    expect(render('E')).toEqual(['......', '......', 'XXXXX.', 'X.....', 'X.....', 'XXXX..', 'X.....', 'X.....', 'XXXXX.', '......']);
    // E's rows, and the diaeresis two rows above them
    expect(render('ë')).toEqual(['.X.X..', '......', 'XXXXX.', 'X.....', 'X.....', 'XXXX..', 'X.....', 'X.....', 'XXXXX.', '......']);
    expect(render('Ç').slice(0, 2)).toEqual(['......', '......']);
    expect(render('Ç')[9]).toBe('..XX..');
    expect(render('Ń').slice(0, 2)).toEqual(['...X..', '..X...']);
  });

  it('draws every letter of Latin-1 and Latin Extended-A unlike the plain letter it is built on', () => {
    for (const char of [...latin1, ...latinExtendedA].filter((c) => /\p{L}/u.test(c))) {
      const spelt = fontText(char);
      if ([...spelt].length !== 1) continue; // ß, ĳ, ŉ are spelt with two letters
      const base = char.normalize('NFD')[0];
      if (base !== char) expect(render(char), char).not.toEqual(render(base));
    }
  });
});

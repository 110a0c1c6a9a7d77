import { describe, expect, it } from 'vitest';
import { formatCodeList, parseCodeList } from '../../../../renderer/routes/settings/code-list';

describe('the accepted body parts and views as typed', () => {
  it('reads code strings separated by commas, upper-cased, each once', () => {
    expect(parseCodeList('chest, Thorax,CHEST')).toEqual({ codes: ['CHEST', 'THORAX'] });
    expect(parseCodeList(' PA , AP ,, ')).toEqual({ codes: ['PA', 'AP'] });
    expect(parseCodeList('')).toEqual({ codes: [] });
    expect(parseCodeList('LOWER LIMB')).toEqual({ codes: ['LOWER LIMB'] });
  });

  it('names the first entry that is no code string', () => {
    expect(parseCodeList('CHEST, thorax!')).toEqual({ problem: '"THORAX!" is not a DICOM code string: up to 16 letters, digits, spaces or underscores.' });
    expect(parseCodeList('ABCDEFGHIJKLMNOPQ')).toEqual({ problem: '"ABCDEFGHIJKLMNOPQ" is not a DICOM code string: up to 16 letters, digits, spaces or underscores.' });
    expect(parseCodeList(Array.from({ length: 17 }, (_, k) => `P${k}`).join(','))).toEqual({ problem: '17 entries; at most 16 are allowed.' });
  });

  it('writes them back as typed', () => {
    expect(formatCodeList(['CHEST', 'THORAX'])).toBe('CHEST, THORAX');
  });
});

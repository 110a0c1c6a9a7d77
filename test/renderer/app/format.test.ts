import { describe, expect, it } from 'vitest';
import { formatDicomDate, formatDuration, formatPersonName, formatText, missing } from '../../../renderer/app/format';
import { formatWindow } from '../../../renderer/routes/viewer/format-window';

describe('display formats', () => {
  it('shows DICOM dates as YYYY-MM-DD and leaves anything else as it came', () => {
    expect(formatDicomDate('20240102')).toBe('2024-01-02');
    expect(formatDicomDate('2024')).toBe('2024');
    expect(formatDicomDate(null)).toBe(missing);
  });

  it('shows person names as "Family, Given Middle" from the alphabetic group only', () => {
    expect(formatPersonName('Doe^Jane^Q')).toBe('Doe, Jane Q');
    expect(formatPersonName('Doe')).toBe('Doe');
    expect(formatPersonName('Yamada^Tarou=山田^太郎')).toBe('Yamada, Tarou');
    expect(formatPersonName('^^')).toBe(missing);
    expect(formatPersonName(null)).toBe(missing);
  });

  it('marks missing values with one symbol but keeps zero', () => {
    expect(formatText(null)).toBe(missing);
    expect(formatText('')).toBe(missing);
    expect(formatText(0)).toBe('0');
  });

  it('shows durations in ms below a second, else in seconds', () => {
    expect(formatDuration(69.4)).toBe('69 ms');
    expect(formatDuration(1530)).toBe('1.5 s');
  });

  it('shows windows with decimals only where the values are small', () => {
    expect(formatWindow({ center: 550, width: 1024 })).toBe('W 1,024 / L 550');
    expect(formatWindow({ center: 0.5, width: 1 })).toBe('W 1.00 / L 0.50');
  });
});

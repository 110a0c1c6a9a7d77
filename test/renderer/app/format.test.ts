import { describe, expect, it } from 'vitest';
import { formatDateTime, formatDicomDate, formatDuration, formatPersonName, formatSide, formatText, missing } from '../../../renderer/app/format';
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
    expect(formatPersonName('Phantom^0003')).toBe('Phantom, 0003');
    expect(formatPersonName('Yamada^Tarou=山田^太郎')).toBe('Yamada, Tarou');
    expect(formatPersonName('^^')).toBe(missing);
    expect(formatPersonName(null)).toBe(missing);
  });

  it('shows moments as YYYY-MM-DD HH:MM in local time, whatever the ISO string\'s zone', () => {
    // built from local fields, so the expectation holds in every time zone
    expect(formatDateTime(new Date(2026, 11, 3, 14, 5, 59))).toBe('2026-12-03 14:05');
    expect(formatDateTime(new Date(2026, 0, 9, 7, 3).toISOString())).toBe('2026-01-09 07:03');
    expect(formatDateTime('not a date')).toBe('not a date');
  });

  it('says which side in words', () => {
    expect(formatSide('bilateral')).toBe('Both sides');
    expect(formatSide('left')).toBe('Left');
    expect(formatSide(null)).toBe(missing);
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

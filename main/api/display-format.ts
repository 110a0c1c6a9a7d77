// How values read to a person, the same on screen and in the exported report: DICOM dates and person names, times,
// the side of a finding. A missing value is an em dash, so columns stay aligned.
import type { StudyTriage } from './contract';

export const missing = '—';

/** DICOM DA (YYYYMMDD) as YYYY-MM-DD; anything else is shown as it came. */
export function formatDicomDate(value: string | null): string {
  if (!value) return missing;
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(value.trim());
  return match ? `${match[1]}-${match[2]}-${match[3]}` : value;
}

/** DICOM PN (Family^Given^Middle^Prefix^Suffix) as "Family, Given Middle", from the alphabetic group only. */
export function formatPersonName(value: string | null): string {
  if (!value) return missing;
  const [family = '', given = '', middle = ''] = value.split('=')[0].split('^').map((part) => part.trim());
  const rest = [given, middle].filter(Boolean).join(' ');
  return [family, rest].filter(Boolean).join(', ') || missing;
}

/**
 * A moment as "YYYY-MM-DD HH:MM" in this machine's time zone: ISO 8601's order, read the way the workstation's clock
 * reads. A value that is not a date is shown as it came.
 */
export function formatDateTime(value: string | Date): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}`;
}

const sideWords: Record<NonNullable<StudyTriage['side']>, string> = { left: 'Left', right: 'Right', bilateral: 'Both sides' };

export function formatSide(side: StudyTriage['side'] | undefined): string {
  return side ? sideWords[side] : missing;
}

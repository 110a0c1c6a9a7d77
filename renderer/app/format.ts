// Display formats for DICOM values; a missing value shows as an em dash so columns stay aligned.
export const missing = '—';

/** DICOM DA (YYYYMMDD) as YYYY-MM-DD; anything else is shown as it came. */
export function formatDicomDate(value: string | null): string {
  if (!value) return missing;
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(value.trim());
  return match ? `${match[1]}-${match[2]}-${match[3]}` : value;
}

/** DICOM PN (Family^Given^Middle^Prefix^Suffix) as "Family, Given Middle". */
export function formatPersonName(value: string | null): string {
  if (!value) return missing;
  const [family = '', given = '', middle = ''] = value.split('=')[0].split('^').map((part) => part.trim());
  const rest = [given, middle].filter(Boolean).join(' ');
  return [family, rest].filter(Boolean).join(', ') || missing;
}

export function formatText(value: string | number | null | undefined): string {
  return value === null || value === undefined || value === '' ? missing : String(value);
}

export function formatNumber(value: number, fractionDigits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits });
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${formatNumber(ms / 1000, 1)} s`;
}

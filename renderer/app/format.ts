// Display formats; the ones the exported report shares with the screen live in main/api/display-format.
import { missing } from '../../main/api/display-format';

export { formatDateTime, formatDicomDate, formatPersonName, formatSide, missing } from '../../main/api/display-format';

export function formatText(value: string | number | null | undefined): string {
  return value === null || value === undefined || value === '' ? missing : String(value);
}

export function formatNumber(value: number, fractionDigits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits });
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${formatNumber(ms / 1000, 1)} s`;
}

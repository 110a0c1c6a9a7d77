// Display formats of a verdict's numbers; a missing value is the same em dash as everywhere else.
import { formatNumber, missing } from '../../app/format';

export { formatSide } from '../../app/format';

export function formatScore(score: number | null | undefined): string {
  return score === null || score === undefined ? missing : formatNumber(score, 2);
}

/** cm² with one decimal; a tiny finding stays visible as "< 0.1" instead of rounding to nothing. */
export function formatAreaCm2(area: number | null | undefined): string {
  if (area === null || area === undefined) return missing;
  if (area === 0) return '0 cm²';
  if (area < 0.1) return '< 0.1 cm²';
  return `${formatNumber(area, area < 100 ? 1 : 0)} cm²`;
}

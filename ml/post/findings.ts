// What a post-processed mask says about an image, in the shape the worklist, the viewer and the DICOM export use.
import { connectedComponents, type BoundingBox } from './components';
import { patientSideAt, type ColumnDirection, type PatientSide } from './orientation';
import { checkRaster, type Mask, type ProbabilityMap } from './raster';
import type { PostProcessRule } from './rules';

/** One 8-connected region of the final mask. */
export interface Finding {
  /** the region's label in connectedComponents(mask): 1-based, raster order of its first pixel */
  label: number;
  areaPixels: number;
  /** areaPixels times the pixel's row and column spacing; null when the spacing is unknown */
  areaMm2: number | null;
  side: PatientSide;
  /** the highest probability inside the region */
  score: number;
  meanProbability: number;
  box: BoundingBox;
  centroid: { row: number; column: number };
}

/** A triage device only ever flags: an image it does not flag is 'not-flagged', never cleared as negative. */
export type TriageFlag = 'positive' | 'not-flagged';

/** The verdict on one image. JSON-safe; the mask itself travels beside it (encodeRle stores it compactly). */
export interface TriageResult {
  /** positive exactly when the post-processed mask is not empty */
  flag: TriageFlag;
  /**
   * The highest probability inside the final mask, 0 when it is empty. A worklist sorted by it lists every flagged
   * image before every unflagged one (a non-empty mask holds pixels above the rule's thresholds), then by how sure
   * the model is at its surest pixel. The mean would be diluted by the low-probability rim the bottom threshold
   * admits, and the area would rank a large doubtful region above a small certain one.
   */
  score: number;
  /** the size of the mask the regions are measured on */
  rows: number;
  columns: number;
  areaPixels: number;
  areaMm2: number | null;
  /** the side of the patient the regions lie on; null when not flagged */
  side: PatientSide | 'bilateral' | null;
  /** largest first */
  findings: Finding[];
  /** the rule that made the mask, so a result can always say which thresholds produced it */
  rule: PostProcessRule;
}

export interface FindingContext {
  rule: PostProcessRule;
  /** millimetres between rows and between columns of the mask's grid (DICOM PixelSpacing); null when unknown */
  pixelSpacing: { row: number; column: number } | null;
  columnDirection: ColumnDirection;
}

export function describeFindings(probabilities: ProbabilityMap, mask: Mask, context: FindingContext): TriageResult {
  checkRaster(probabilities, 'probability map');
  checkRaster(mask, 'mask', probabilities);
  const pixelMm2 = pixelArea(context.pixelSpacing);
  const toMm2 = (pixels: number): number | null => (pixelMm2 === null ? null : pixels * pixelMm2);
  const { labels, components } = connectedComponents(mask);
  const maxima = new Float64Array(components.length).fill(-Infinity);
  const sums = new Float64Array(components.length);
  const p = probabilities.data;
  for (let i = 0; i < labels.length; i++) {
    const index = labels[i] - 1;
    if (index < 0) continue;
    if (p[i] > maxima[index]) maxima[index] = p[i];
    sums[index] += p[i];
  }
  const findings: Finding[] = components
    .map((component, index) => ({
      label: component.label,
      areaPixels: component.area,
      areaMm2: toMm2(component.area),
      side: patientSideAt(component.centroid.column, mask.columns, context.columnDirection),
      score: maxima[index],
      meanProbability: sums[index] / component.area,
      box: component.box,
      centroid: component.centroid,
    }))
    .sort((a, b) => b.areaPixels - a.areaPixels || a.label - b.label);
  const areaPixels = findings.reduce((sum, finding) => sum + finding.areaPixels, 0);
  return {
    flag: findings.length > 0 ? 'positive' : 'not-flagged',
    score: findings.reduce((max, finding) => Math.max(max, finding.score), 0),
    rows: mask.rows,
    columns: mask.columns,
    areaPixels,
    areaMm2: toMm2(areaPixels),
    side: overallSide(findings),
    findings,
    rule: context.rule,
  };
}

function pixelArea(spacing: FindingContext['pixelSpacing']): number | null {
  if (spacing === null) return null;
  const { row, column } = spacing;
  if (!(row > 0 && column > 0 && Number.isFinite(row) && Number.isFinite(column))) {
    throw new RangeError(`pixel spacing must be positive millimetres, got ${row} x ${column}; pass null when it is unknown`);
  }
  return row * column;
}

function overallSide(findings: readonly Finding[]): TriageResult['side'] {
  if (findings.length === 0) return null;
  const left = findings.some((finding) => finding.side === 'left');
  const right = findings.some((finding) => finding.side === 'right');
  if (left && right) return 'bilateral';
  return left ? 'left' : right ? 'right' : 'unknown';
}

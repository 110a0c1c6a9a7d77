// Which side of the patient a region lies on. Radiographs are displayed as if the viewer faced the patient, so on a
// PA (or AP) chest film the patient's RIGHT is on the image's LEFT: increasing column index points towards the
// patient's left. A file can say otherwise in PatientOrientation (0020,0020), whose first value names the patient
// direction of increasing column index ("L\F" for the usual frontal film, "R\F" for one flipped left to right).

export type ColumnDirection = 'patient-left' | 'patient-right' | 'unknown';
export type PatientSide = 'left' | 'right' | 'unknown';

/** The display convention for frontal chest films. */
export const FRONTAL_CONVENTION: ColumnDirection = 'patient-left';

/**
 * PatientOrientation decides when present: "L\F" or "LP\F" point to the patient's left, a row direction that names
 * neither side (a lateral film's "A\F") leaves the side unknown. Without it a PA or AP film is taken
 * to follow the display convention (SIIM's files carry ViewPosition PA and no PatientOrientation); anything else
 * (a lateral film, no tags) leaves the side unknown rather than guess.
 */
export function columnDirection(tags: { patientOrientation?: string | null; viewPosition?: string | null }): ColumnDirection {
  const rowDirection = tags.patientOrientation?.split('\\')[0]?.trim().toUpperCase() ?? '';
  const left = rowDirection.includes('L');
  const right = rowDirection.includes('R');
  if (rowDirection !== '') return left === right ? 'unknown' : left ? 'patient-left' : 'patient-right';
  const view = tags.viewPosition?.trim().toUpperCase();
  return view === 'PA' || view === 'AP' ? FRONTAL_CONVENTION : 'unknown';
}

/** The patient side of a point at `column` (fractional allowed), split at the image's vertical midline. */
export function patientSideAt(column: number, columns: number, direction: ColumnDirection): PatientSide {
  const midline = (columns - 1) / 2;
  if (direction === 'unknown' || column === midline) return 'unknown';
  const towardsHigherColumns = column > midline;
  return towardsHigherColumns === (direction === 'patient-left') ? 'left' : 'right';
}

// The exports launcher's choices in words, the checks made before anything is sent, and the outcome summarised.
// The service decides the rest (it refuses a scanned folder or a source folder, and says which).
import type { ExportKind, ExportResult } from '../../../main/api/contract';
import type { ExportsState } from '../paths';

export const exportKinds: { kind: ExportKind; label: string; detail: string; testId: string }[] = [
  { kind: 'seg', label: 'DICOM SEG', detail: 'one segmentation per reviewed or flagged image, referencing its source image', testId: 'export-kind-seg' },
  { kind: 'secondary-capture', label: 'Secondary Capture', detail: 'the image with the overlay burned in and an "AI result" label', testId: 'export-kind-sc' },
  { kind: 'submission-csv', label: 'SIIM CSV', detail: 'the submission table (ImageId, EncodedPixels) for the folder', testId: 'export-kind-csv' },
  { kind: 'report', label: 'HTML report', detail: 'a printable summary of the worklist with thumbnails', testId: 'export-kind-report' },
];

export function kindLabel(kind: ExportKind): string {
  return exportKinds.find((option) => option.kind === kind)?.label ?? kind;
}

/** The folder must be absolute (POSIX, a Windows drive or a UNC share): a relative one depends on where the app started. */
export function folderProblem(folder: string): string | null {
  const trimmed = folder.trim();
  if (trimmed === '') return 'Choose a destination folder.';
  return /^(\/|[A-Za-z]:[\\/]|\\\\)/.test(trimmed) ? null : `"${trimmed}" is not an absolute path.`;
}

/** "3 DICOM SEG, 1 SIIM CSV; 2 images failed": what a run wrote, by kind in the launcher's order. */
export function exportSummary(result: ExportResult): string {
  const written = exportKinds
    .map(({ kind, label }) => [label, result.files.filter((file) => file.kind === kind).length] as const)
    .filter(([, count]) => count > 0)
    .map(([label, count]) => `${count} ${label}`);
  const files = written.length > 0 ? `Wrote ${written.join(', ')} into ${result.folder}` : `Nothing was written into ${result.folder}`;
  const failed = result.errors.length;
  return failed === 0 ? `${files}.` : `${files}; ${failed} ${failed === 1 ? 'item' : 'items'} could not be exported.`;
}

const studies = (count: number) => (count === 1 ? 'study' : 'studies');

/**
 * The worklist's Export button: what it exports — the studies selected there, else those its filter shows, else
 * (no state) every triaged study — and its label, which says so.
 */
export function worklistExport(selected: readonly string[], shown: readonly string[], filtered: boolean): { label: string; state: ExportsState | null } {
  if (selected.length > 0) {
    return { label: `Export ${selected.length} selected`, state: { studyInstanceUids: selected, scope: `the ${selected.length} selected ${studies(selected.length)}` } };
  }
  if (filtered) {
    return { label: `Export ${shown.length} shown`, state: { studyInstanceUids: shown, scope: `the ${shown.length} ${studies(shown.length)} the worklist's filter shows` } };
  }
  return { label: 'Export all', state: null };
}

/** The launcher's route state as the worklist left it, or null (opened from the menu: every triaged study). */
export function exportsStateOf(state: unknown): ExportsState | null {
  if (typeof state !== 'object' || state === null) return null;
  const { studyInstanceUids, scope } = state as Partial<ExportsState>;
  return Array.isArray(studyInstanceUids) && typeof scope === 'string' ? { studyInstanceUids, scope } : null;
}

// The exports launcher's choices in words, the checks made before anything is sent, and the outcome summarised.
// The service decides the rest (it refuses a scanned folder or a source folder, and says which).
import type { ExportKind, ExportResult } from '../../../main/api/contract';

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

/** Studies handed over in the route's query (`?studies=uid,uid`), e.g. the worklist's selection; none means all triaged. */
export function studiesFromQuery(search: string): string[] | undefined {
  const value = new URLSearchParams(search).get('studies');
  const uids = value?.split(',').map((uid) => uid.trim()).filter(Boolean) ?? [];
  return uids.length > 0 ? uids : undefined;
}

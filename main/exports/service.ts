// exports.run: the chosen exports of the triaged studies, into a folder the user picks that holds no source images.
// Per reviewed or flagged image a DICOM SEG and a Secondary Capture (built by result-objects.ts, as for a PACS); for
// the whole selection the SIIM submission CSV and the printable report. An image that fails is listed with why and the
// others are still written; every file is written whole or not at all, and the export goes to the audit log.
import path from 'node:path';
import { formatSubmission, isTableValue } from '../../ml/post';
import { ApiError, type ApiHandlers, type DecodedImage, type ExportKind, type ExportResult, type ImageTriage, type WorklistRow } from '../api/contract';
import { writeFileAtomically } from '../fs/atomic-file';
import { containedPath, uidFileStem } from '../fs/contained-path';
import type { AuditLog } from '../review/audit-log';
import type { StudyTriageSummaries } from '../studies/index-db';
import type { StoredTriage, TriageContext, TriageStore } from '../triage/results-store';
import { prepareExportFolder, type ForbiddenFolders } from './export-folder';
import { shownMask } from './image-layers';
import { formatReport, type ReportImage, type ReportStudy } from './report-html';
import { buildResultObjects, readOverlayLayers } from './result-objects';
import { thumbnailDataUri } from './thumbnail';

export const SEG_FOLDER = 'seg';
export const SECONDARY_CAPTURE_FOLDER = 'secondary-capture';
export const SUBMISSION_CSV = 'submission.csv';
export const REPORT_HTML = 'report.html';
/** The per-image exports: an image's result objects, each kind in its folder. */
const IMAGE_FILES = [
  { kind: 'seg', folder: SEG_FOLDER, suffix: '.seg.dcm' },
  { kind: 'secondary-capture', folder: SECONDARY_CAPTURE_FOLDER, suffix: '.sc.dcm' },
] as const;

export interface ExportServiceOptions {
  store: TriageStore;
  audit: AuditLog;
  /** the indexed studies with their triage, in the worklist's priority order (StudyIndex.worklist) */
  worklist: (triage: StudyTriageSummaries) => WorklistRow[];
  /** what the export folder must stay out of (the same as for audit.export) */
  forbiddenFolders: () => ForbiddenFolders;
  /** the one decode path (the decode pool in the workstation) */
  decode: (file: string) => Promise<DecodedImage>;
  reviewer: () => string | Promise<string>;
  /** what a verdict is read against (triage service's context): the flags and words exported are the workstation's */
  triageContext: () => TriageContext | Promise<TriageContext>;
  softwareVersion: string;
  now?: () => Date;
}

type ImageOutcome = { files: ExportResult['files']; thumbnail: string | null; error: string | null };

export function createExportService(options: ExportServiceOptions): { handlers: Pick<ApiHandlers, 'exports.run'> } {
  const { store } = options;
  const now = options.now ?? (() => new Date());

  async function run({ folder: requested, kinds: kindList, studyInstanceUids }: { folder: string; kinds: ExportKind[]; studyInstanceUids?: string[] }): Promise<ExportResult> {
    const kinds = new Set(kindList);
    const context = await options.triageContext();
    const indexed = options.worklist(store.studySummaries(context));
    const errors: ExportResult['errors'] = [];
    let scope: WorklistRow[];
    if (studyInstanceUids) {
      const wanted = new Set(studyInstanceUids);
      scope = indexed.filter((row) => wanted.has(row.studyInstanceUid));
      for (const uid of wanted) if (!scope.some((row) => row.studyInstanceUid === uid)) errors.push({ sopInstanceUid: null, message: `study ${uid} is not indexed; rescan its folder` });
    } else {
      scope = indexed.filter((row) => row.triage !== null);
    }
    if (scope.length === 0) throw new ApiError('invalid-argument', 'nothing to export: none of the chosen studies is indexed and triaged; triage them first');

    const needsPixels = kinds.has('secondary-capture') || kinds.has('report');
    const stored = new Map(store.listTriaged({ studyInstanceUids: scope.map((row) => row.studyInstanceUid), heatmaps: needsPixels }).map((s) => [s.instanceId, s]));
    const folder = await prepareExportFolder(requested, options.forbiddenFolders());
    const at = now();
    const reviewer = await options.reviewer();
    const files: ExportResult['files'] = [];
    const names = new Set<string>();
    // A link planted in the export folder (seg -> a source folder) is refused, not followed.
    const write = async (kind: ExportKind, relative: string, contents: string | Uint8Array, sopInstanceUid: string | null) => {
      const file = await containedPath(folder, relative);
      await writeFileAtomically(file, contents);
      return { kind, path: file, sopInstanceUid };
    };
    /** The file's name comes from the UID only when it is a well-formed one: "../../x" becomes a hash, never a path. */
    const fileName = (uid: string, suffix: string) => {
      const stem = uidFileStem(uid);
      let name = `${stem}${suffix}`;
      for (let copy = 2; names.has(name); copy++) name = `${stem}_${copy}${suffix}`;
      names.add(name);
      return name;
    };

    /** The per-image files and the report's thumbnail of one image; its failure is this image's alone. */
    async function exportImage(image: ImageTriage, triaged: StoredTriage): Promise<ImageOutcome> {
      const outcome: ImageOutcome = { files: [], thumbnail: null, error: null };
      const flagged = triaged.review !== null || image.flag === 'positive';
      const wanted = flagged ? IMAGE_FILES.filter((file) => kinds.has(file.kind)) : [];
      try {
        const decode = decodeOnce(options.decode);
        const objects = await buildResultObjects({ image, triaged, kinds: new Set(wanted.map((file) => file.kind)), decode, softwareVersion: options.softwareVersion, at });
        for (const { kind, folder, suffix } of wanted) {
          const object = objects.find((built) => built.kind === kind)!;
          outcome.files.push(await write(kind, path.posix.join(folder, fileName(image.sopInstanceUid, suffix)), object.bytes, image.sopInstanceUid));
        }
        if (kinds.has('report')) outcome.thumbnail = thumbnailDataUri(await readOverlayLayers(triaged, shownMask(triaged).mask, decode));
      } catch (error) {
        outcome.error = (error as Error).message ?? String(error);
      }
      return outcome;
    }

    const reportStudies: ReportStudy[] = [];
    const submission: { imageId: string; encodedPixels: string }[] = [];
    const exported: { image: ImageTriage; triaged: StoredTriage; files: ExportResult['files'] }[] = [];
    for (const study of scope) {
      const images: ReportImage[] = [];
      for (const image of store.imagesOfStudy(study.studyInstanceUid, context)) {
        const triaged = stored.get(image.instanceId);
        let outcome: ImageOutcome = { files: [], thumbnail: null, error: null };
        if (triaged) {
          outcome = await exportImage(image, triaged);
          if (outcome.files.length) exported.push({ image, triaged, files: outcome.files });
          files.push(...outcome.files);
          const encodedPixels = triaged.review?.maskRle ?? triaged.maskRle;
          if (kinds.has('submission-csv') && encodedPixels !== null) {
            // The file decides the UID: one a CSV row cannot hold as it is leaves this image out, not the whole table.
            if (isTableValue(image.sopInstanceUid)) submission.push({ imageId: image.sopInstanceUid, encodedPixels });
            else {
              const note = 'its SOP Instance UID holds a comma or a line break, which a CSV cell cannot; left out of the submission CSV';
              outcome.error = outcome.error ? `${outcome.error}; ${note}` : note;
            }
          }
        } else if (kinds.has('submission-csv')) {
          outcome.error = `not triaged (${image.state}${image.error ? `: ${image.error.message}` : ''}); left out of the submission CSV`;
        }
        if (outcome.error) errors.push({ sopInstanceUid: image.sopInstanceUid, message: outcome.error });
        images.push({
          sopInstanceUid: image.sopInstanceUid,
          state: image.state,
          flag: image.flag,
          words: image.words,
          score: image.score,
          areaCm2: image.areaCm2,
          side: image.side,
          review: image.review,
          models: image.models,
          thumbnail: outcome.thumbnail,
          note: outcome.error,
        });
      }
      reportStudies.push({ ...study, images });
    }
    if (kinds.has('submission-csv')) files.push(await write('submission-csv', SUBMISSION_CSV, formatSubmission(submission), null));
    if (kinds.has('report')) {
      files.push(await write('report', REPORT_HTML, formatReport({ createdAt: at, studies: reportStudies, softwareVersion: options.softwareVersion }), null));
    }

    const allModels = [...new Set([...stored.values()].flatMap((s) => s.models))];
    for (const { triaged, files: written } of exported) {
      options.audit.append({
        at,
        who: reviewer,
        action: 'export',
        sopInstanceUid: triaged.sopInstanceUid,
        studyInstanceUid: triaged.studyInstanceUid,
        models: triaged.models,
        detail: `exported ${written.map((f) => `${f.kind} ${f.path}`).join(', ')}`,
      });
    }
    options.audit.append({
      at,
      who: reviewer,
      action: 'export',
      sopInstanceUid: null,
      studyInstanceUid: scope.length === 1 ? scope[0].studyInstanceUid : null,
      models: allModels,
      detail: `exports (${kindList.join(', ')}) of ${scope.length} studies into ${folder}: ${files.length} files, ${errors.length} images not exported`,
    });
    return { folder, files, errors };
  }

  return { handlers: { 'exports.run': run } };
}

/** One decode of an image, shared by its Secondary Capture and its thumbnail. */
function decodeOnce(decode: (file: string) => Promise<DecodedImage>): (file: string) => Promise<DecodedImage> {
  let decoded: Promise<DecodedImage> | undefined;
  return (file) => (decoded ??= decode(file));
}

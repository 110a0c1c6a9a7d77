// Unlabelled radiographs for semi-supervised training (the API's UnlabelledData): a folder of DICOM files, or the
// workstation's own indexed images that have no reviewed mask. Only what triage would assess is used — the same
// intended-use check (frontal CR/DX chest films, nothing derived) — and every file left out is listed with why
// (outside the intended use, or unreadable), as the scan and triage report theirs. Calibrating an INT8 version
// (main/models/quantize-model.ts) takes its images the same way.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import type { UnlabelledData } from '../../api/contract';
import { indexPath } from '../../services/data-dir';
import { readableInstanceFiles } from '../../studies/index-db';
import { claimsDicomByName, hasDicmMarker } from '../../studies/skip-rules';
import { walkFiles } from '../../studies/walk';
import { DEFAULT_INTENDED_USE, notAssessedReason } from '../../triage/intended-use';
import { listLabels, recordedUid } from '../../labels/label-store';
import { resizeBilinear, type Plane } from '../../../ml/preprocess';
import { byPatientThenId, type UnlabelledItem } from '../../../ml/train/dataset';
import { decodeEach } from './decode-images';

/** A file not used, with its reason ("lateral view (LL)", "not-dicom: …"). */
export type Skipped = { path: string; reason: string };

export type UnlabelledSet = {
  items: UnlabelledItem[];
  skipped: Skipped[];
  source: string;
};

export async function loadUnlabelled(source: UnlabelledData, size: number, dataDir: string): Promise<UnlabelledSet> {
  const { paths, skipped, source: described } = await unlabelledFiles(source, dataDir);
  const items: UnlabelledItem[] = [];
  skipped.push(
    ...(await decodeIntendedUse(paths, ({ id, patientId, plane }) => {
      items.push({ id, patientId, image: plane.rows === size && plane.columns === size ? plane : resizeBilinear(plane, size, size) });
    })),
  );
  items.sort(byPatientThenId);
  skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { items, skipped, source: described };
}

/** The files of an unlabelled source (not yet decoded), the walk's skipped entries, and the source in words. */
export async function unlabelledFiles(source: UnlabelledData, dataDir: string): Promise<{ paths: string[]; skipped: Skipped[]; source: string }> {
  switch (source.kind) {
    case 'dicom-folder': {
      const paths: string[] = [];
      const skipped: Skipped[] = [];
      const onSkipped = (path: string) => skipped.push({ path, reason: NOT_AN_IMAGE });
      for await (const entry of walkFiles(source.folder, { onSkipped })) {
        if (entry.error) skipped.push({ path: entry.path, reason: entry.error.message });
        else paths.push(entry.path);
      }
      return { paths: paths.sort(), skipped, source: `dicom-folder ${source.folder}` };
    }
    case 'local-studies':
      return { paths: await unreviewedIndexedFiles(dataDir), skipped: [], source: `the workstation's studies without a reviewed mask (${dataDir})` };
  }
}

const NOT_AN_IMAGE = 'not an image (skipped, as the scan skips it)';

/** A file the scan counts as skipped, not broken: it fails to decode and never claimed to be DICOM. */
async function neverClaimedDicom(path: string): Promise<boolean> {
  return !claimsDicomByName(path) && !(await hasDicmMarker(path).catch(() => false));
}

/** A decoded file within the intended use: its instance (the SOP Instance UID, else the path) and 8-bit plane. */
export type UsableImage = { path: string; id: string; patientId: string; plane: Plane };

/**
 * Decodes each file and hands `use` those within the intended use, each instance once (in completion order); returns
 * why each of the others is out.
 */
export async function decodeIntendedUse(paths: readonly string[], use: (image: UsableImage) => void): Promise<Skipped[]> {
  const skipped: Skipped[] = [];
  const failed: Skipped[] = [];
  const seen = new Set<string>();
  await decodeEach(
    paths,
    ({ path, decoded, plane }) => {
      const reason = notAssessedReason(decoded.info, DEFAULT_INTENDED_USE);
      const id = decoded.info.sopInstanceUid || path;
      if (reason !== null) skipped.push({ path, reason });
      else if (seen.has(id)) skipped.push({ path, reason: `a copy of ${id}, already used` });
      else {
        seen.add(id);
        use({ path, id, patientId: decoded.info.patientId ?? id, plane });
      }
    },
    (path, error) => failed.push({ path, reason: error.message }),
  );
  for (const failure of failed) skipped.push((await neverClaimedDicom(failure.path)) ? { path: failure.path, reason: NOT_AN_IMAGE } : failure);
  return skipped;
}

/** The index's readable image files whose instance has no label in the label store (read-only: the app owns it). */
async function unreviewedIndexedFiles(dataDir: string): Promise<string[]> {
  const file = indexPath(dataDir);
  if (!existsSync(file)) throw new Error(`no study index in ${dataDir}: scan a folder first, then train on its studies`);
  const reviewed = new Set((await listLabels(dataDir)).map((record) => record.sopInstanceUid));
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return readableInstanceFiles(db).filter((row) => !reviewed.has(recordedUid(row.uid))).map((row) => row.path);
  } finally {
    db.close();
  }
}

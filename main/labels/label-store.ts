// The label store: masks confirmed or drawn by a reviewer, one JSON file per image under <dataDir>/labels/, named
// by the image's SOP Instance UID. The mask is kept as SIIM run-length text (column-major, '-1' for empty) so a
// label reads like a row of the challenge's table; the image stays where the user keeps it (its path is recorded,
// never copied). The review tools write through saveLabel; training reads through listLabels.
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { decodeRle, encodeRle, type Mask } from '../../ml/post';
import { writeFileAtomically } from '../fs/atomic-file';

export const LABELS_FOLDER = 'labels';

/** DICOM UIDs are digits and dots (at most 64): safe as a file name on every platform. */
const Uid = z.string().regex(/^[0-9]+(\.[0-9]+)*$/, 'expected a DICOM UID (digits and dots)').max(64);

export const LabelRecord = z
  .object({
    format: z.literal('pleura-label'),
    formatVersion: z.literal(1),
    sopInstanceUid: Uid,
    studyInstanceUid: Uid,
    patientId: z.string().nullable(),
    /** the DICOM file the label was drawn on */
    imagePath: z.string().min(1),
    rows: z.number().int().positive(),
    columns: z.number().int().positive(),
    /** SIIM run-length encoding of the mask at rows x columns; '-1' when the reviewer found no pneumothorax */
    encodedPixels: z.string().min(1),
    reviewer: z.string().min(1),
    savedAt: z.iso.datetime({ offset: true }),
  })
  .strict();
export type LabelRecord = z.infer<typeof LabelRecord>;

export type NewLabel = Pick<LabelRecord, 'sopInstanceUid' | 'studyInstanceUid' | 'patientId' | 'imagePath' | 'reviewer'> & {
  mask: Mask;
  savedAt?: Date;
};

export function labelsDir(dataDir: string): string {
  return path.join(dataDir, LABELS_FOLDER);
}

/** Saves (or replaces) the label of one image, atomically; returns the record written. */
export async function saveLabel(dataDir: string, label: NewLabel): Promise<LabelRecord> {
  const record = LabelRecord.parse({
    format: 'pleura-label',
    formatVersion: 1,
    sopInstanceUid: label.sopInstanceUid,
    studyInstanceUid: label.studyInstanceUid,
    patientId: label.patientId,
    imagePath: path.resolve(label.imagePath),
    rows: label.mask.rows,
    columns: label.mask.columns,
    encodedPixels: encodeRle(label.mask),
    reviewer: label.reviewer,
    savedAt: (label.savedAt ?? new Date()).toISOString(),
  });
  const dir = labelsDir(dataDir);
  await mkdir(dir, { recursive: true });
  await writeFileAtomically(path.join(dir, `${record.sopInstanceUid}.json`), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}

/** Every saved label, sorted by SOP Instance UID; a damaged file fails naming it. None when nothing was saved. */
export async function listLabels(dataDir: string): Promise<LabelRecord[]> {
  const dir = labelsDir(dataDir);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const records: LabelRecord[] = [];
  for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort()) {
    const file = path.join(dir, name);
    let value: unknown;
    try {
      value = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      throw new Error(`${file}: not a readable label: ${(error as Error).message}`);
    }
    const parsed = LabelRecord.safeParse(value);
    if (!parsed.success) throw new Error(`${file}: not a valid label: ${z.prettifyError(parsed.error)}`);
    records.push(parsed.data);
  }
  return records;
}

/** The record's mask at its own size. */
export function labelMask(record: LabelRecord): Mask {
  return decodeRle(record.encodedPixels, { rows: record.rows, columns: record.columns });
}

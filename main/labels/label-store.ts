// The label store: masks confirmed or drawn by a reviewer, one JSON file per image under <dataDir>/labels/. The mask
// is kept as SIIM run-length text (column-major, '-1' for empty) so a label reads like a row of the challenge's
// table; the image stays where the user keeps it (its path is recorded, never copied). A label also records the
// review that made it (decision, reviewer, time), so reviews outlive the study index: a rebuilt index gets them back.
// The review tools write through saveLabel; training and the rebuild read through listLabels.
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { decodeRle, encodeRle, type Mask } from '../../ml/post';
import { MAX_UID_LENGTH, type ReviewDecision } from '../api/contract';
import { isPrintableText, PRINTABLE_MESSAGE, printableText } from '../api/printable-text';
import { writeFileAtomically } from '../fs/atomic-file';
import { uidFileStem } from '../fs/contained-path';

export const LABELS_FOLDER = 'labels';

/**
 * A UID as the file gave it, printable and bounded: the files decide their UIDs, and not all are well formed. The
 * label's file name comes from uidFileStem, never from the UID itself.
 */
const RecordedUid = z.string().min(1).max(MAX_UID_LENGTH).refine(isPrintableText, PRINTABLE_MESSAGE);

/** A UID from a DICOM file as a label records it. */
export function recordedUid(uid: string): string {
  return printableText(uid).slice(0, MAX_UID_LENGTH);
}

export const LabelRecord = z
  .object({
    format: z.literal('pleura-label'),
    /** 1: before labels recorded their review's decision */
    formatVersion: z.union([z.literal(1), z.literal(2)]),
    sopInstanceUid: RecordedUid,
    studyInstanceUid: RecordedUid,
    patientId: z.string().nullable(),
    /** the DICOM file the label was drawn on */
    imagePath: z.string().min(1),
    rows: z.number().int().positive(),
    columns: z.number().int().positive(),
    /** SIIM run-length encoding of the mask at rows x columns; '-1' when the reviewer found no pneumothorax */
    encodedPixels: z.string().min(1),
    reviewer: z.string().min(1),
    /** the review's decision (from formatVersion 2); savedAt is its time */
    decision: z.enum(['confirmed', 'rejected', 'edited']).optional(),
    savedAt: z.iso.datetime({ offset: true }),
  })
  .strict();
export type LabelRecord = z.infer<typeof LabelRecord>;

export type NewLabel = Pick<LabelRecord, 'sopInstanceUid' | 'studyInstanceUid' | 'patientId' | 'imagePath' | 'reviewer'> & {
  decision: ReviewDecision;
  mask: Mask;
  savedAt?: Date;
};

/** The label's file: its image's SOP Instance UID when that is a well-formed UID, else a hash of it. */
export function labelFile(dataDir: string, sopInstanceUid: string): string {
  return path.join(labelsDir(dataDir), `${uidFileStem(sopInstanceUid)}.json`);
}

export function labelsDir(dataDir: string): string {
  return path.join(dataDir, LABELS_FOLDER);
}

/** Saves (or replaces) the label of one image, atomically; returns the record written. */
export async function saveLabel(dataDir: string, label: NewLabel): Promise<LabelRecord> {
  const record = LabelRecord.parse({
    format: 'pleura-label',
    formatVersion: 2,
    sopInstanceUid: recordedUid(label.sopInstanceUid),
    studyInstanceUid: recordedUid(label.studyInstanceUid),
    patientId: label.patientId,
    imagePath: path.resolve(label.imagePath),
    rows: label.mask.rows,
    columns: label.mask.columns,
    encodedPixels: encodeRle(label.mask),
    reviewer: label.reviewer,
    decision: label.decision,
    savedAt: (label.savedAt ?? new Date()).toISOString(),
  });
  await mkdir(labelsDir(dataDir), { recursive: true });
  await writeFileAtomically(labelFile(dataDir, label.sopInstanceUid), `${JSON.stringify(record, null, 2)}\n`);
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

// C-FIND identifiers for Pleura's searches (Study Root, PS3.4 C.6.2), and the matches read back from the data sets
// dcmjs-dimse naturalises (PN as { Alphabetic }, one value as itself, several as an array). The search means what
// the DICOMweb one does (dicomweb/qido.ts): the patient text is a name prefix unless it has wildcards of its own,
// and also a Patient ID when it has a digit; modalities are matched one per request — single value matching is all
// every SCP supports, a list such as CR\DX is not — and again on each answer. An answer without usable UIDs is
// skipped, never an error: one bad record must not hide the rest.
import { isDicomUid } from '../../fs/contained-path';
import type { InstanceMatch, StudyMatch, StudyQuery } from '../peers';

type Identifier = Record<string, unknown>;

const STUDY_RETURN_KEYS = {
  StudyInstanceUID: '',
  PatientName: '',
  PatientID: '',
  StudyDate: '',
  StudyTime: '',
  AccessionNumber: '',
  StudyDescription: '',
  ModalitiesInStudy: '',
  NumberOfStudyRelatedInstances: '',
};

function checkDate(date: string | undefined, name: string): void {
  if (date !== undefined && !/^\d{8}$/.test(date)) throw new RangeError(`${name} must be a DICOM date YYYYMMDD`);
}

function checkModality(modality: string): void {
  if (!/^[A-Z0-9_]{1,16}$/.test(modality)) throw new RangeError(`"${modality}" is not a modality code`);
}

export function checkUidArgument(uid: string, name: string): void {
  if (!isDicomUid(uid)) throw new RangeError(`${name} is not a DICOM UID`);
}

/** The patient criteria: by name (a prefix unless wildcarded), and by ID when the text has a digit. */
export function patientKeys(patient: string | undefined): Identifier[] {
  // A backslash would split the value in two (VM separator); a control character has no place in PN or LO.
  const text = patient?.trim().replace(/[\\\u0000-\u001f]/g, '?');
  if (!text) return [{}];
  const name = { PatientName: /[*?]/.test(text) ? text : `${text}*` };
  return /\d/.test(text) ? [name, { PatientID: text }] : [name];
}

/** The STUDY-level identifiers that together answer `query` (limit and offset are the caller's). */
export function studyIdentifiers(query: StudyQuery): Identifier[] {
  checkDate(query.from, 'from');
  checkDate(query.to, 'to');
  query.modalities?.forEach(checkModality);
  const date = query.from || query.to ? (query.from === query.to ? query.from : `${query.from ?? ''}-${query.to ?? ''}`) : '';
  const modalities = query.modalities?.length ? query.modalities : [''];
  return patientKeys(query.patient).flatMap((patient) =>
    modalities.map((modality) => ({ ...STUDY_RETURN_KEYS, ...patient, StudyDate: date, ModalitiesInStudy: modality, QueryRetrieveLevel: 'STUDY' })),
  );
}

export function seriesIdentifier(studyInstanceUid: string): Identifier {
  return { QueryRetrieveLevel: 'SERIES', StudyInstanceUID: studyInstanceUid, SeriesInstanceUID: '', Modality: '', Manufacturer: '' };
}

export function imageIdentifier(studyInstanceUid: string, seriesInstanceUid: string): Identifier {
  return { QueryRetrieveLevel: 'IMAGE', StudyInstanceUID: studyInstanceUid, SeriesInstanceUID: seriesInstanceUid, SOPInstanceUID: '', SOPClassUID: '' };
}

/** One value as text: a string, a number, the first of several, a PN's alphabetic group; null when empty. */
export function text(value: unknown): string | null {
  if (Array.isArray(value)) return value.length > 0 ? text(value[0]) : null;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'object' && value !== null && 'Alphabetic' in value) return text((value as { Alphabetic: unknown }).Alphabetic);
  if (typeof value !== 'string') return null;
  const trimmed = value.replace(/\0/g, '').trim();
  return trimmed === '' ? null : trimmed;
}

/** Every value as text (a multi-valued CS such as ModalitiesInStudy, as an array or still backslash-joined). */
export function texts(value: unknown): string[] {
  const values = Array.isArray(value) ? value : typeof value === 'string' ? value.split('\\') : [value];
  return values.map(text).filter((v): v is string => v !== null);
}

function uid(value: unknown): string | null {
  const found = text(value);
  return found !== null && isDicomUid(found) ? found : null;
}

function count(value: unknown): number | null {
  const found = text(value);
  return found !== null && /^\d{1,9}$/.test(found) ? Number(found) : null;
}

export function studyMatch(answer: Identifier): StudyMatch | null {
  const studyInstanceUid = uid(answer.StudyInstanceUID);
  if (!studyInstanceUid) return null;
  return {
    studyInstanceUid,
    patientId: text(answer.PatientID),
    patientName: text(answer.PatientName),
    studyDate: text(answer.StudyDate),
    studyTime: text(answer.StudyTime),
    accessionNumber: text(answer.AccessionNumber),
    studyDescription: text(answer.StudyDescription),
    modalities: texts(answer.ModalitiesInStudy),
    instanceCount: count(answer.NumberOfStudyRelatedInstances),
  };
}

export interface SeriesMatch {
  seriesInstanceUid: string;
  modality: string | null;
  manufacturer: string | null;
}

/** The answer names `expected` here, or leaves this higher-level key out (some SCPs do): an answer about another is skipped. */
function within(value: unknown, expected: string): boolean {
  return text(value) === null || text(value) === expected;
}

/** A SERIES-level answer about `studyInstanceUid`. */
export function seriesMatch(answer: Identifier, studyInstanceUid: string): SeriesMatch | null {
  const seriesInstanceUid = uid(answer.SeriesInstanceUID);
  if (!seriesInstanceUid || !within(answer.StudyInstanceUID, studyInstanceUid)) return null;
  return { seriesInstanceUid, modality: text(answer.Modality), manufacturer: text(answer.Manufacturer) };
}

/** An IMAGE-level answer in `series` of `studyInstanceUid`. */
export function instanceMatch(answer: Identifier, studyInstanceUid: string, series: SeriesMatch): InstanceMatch | null {
  const sopInstanceUid = uid(answer.SOPInstanceUID);
  if (!sopInstanceUid || !within(answer.StudyInstanceUID, studyInstanceUid) || !within(answer.SeriesInstanceUID, series.seriesInstanceUid)) return null;
  return {
    studyInstanceUid,
    seriesInstanceUid: series.seriesInstanceUid,
    sopInstanceUid,
    sopClassUid: uid(answer.SOPClassUID),
    modality: series.modality,
    manufacturer: series.manufacturer,
  };
}

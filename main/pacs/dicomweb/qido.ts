// QIDO-RS query parameters for Pleura's searches. Choices made here, for every peer alike (measured on Orthanc 1.10
// with DICOMweb 1.7):
// - No percent-encoding: Orthanc matches query values without decoding them (`Doe%5EJohn` finds nothing, `Doe^John`
//   does), so values are written with characters that need none, and any other character becomes a wildcard — `?`
//   for one ASCII character (a space), `*` for non-ASCII (whose byte length varies). A peer that decodes properly
//   reads the same text.
// - Patient: the text is matched as PatientName (a prefix, `Doe` finding `Doe^John`, unless it has its own `*` or `?`
//   wildcards), and, when it has a digit — names rarely do, IDs mostly do — as PatientID too (as typed).
// - Modalities are matched here, on each study's ModalitiesInStudy, never sent: QIDO has no portable "CR or DX"
//   (Orthanc matches nothing for `CR\DX` and keeps the last of repeated keys), and Orthanc applies limit and offset
//   before it filters on ModalitiesInStudy, so a page of CT studies would come back empty and end the paging early.
import type { StudyMatch, StudyQuery } from '../peers';
import { isUid, TAG } from './dicom-json';

export type QidoParams = [key: string, value: string][];

const STUDY_FIELDS = [TAG.studyDescription, TAG.modalitiesInStudy, TAG.numberOfStudyRelatedInstances];
const INSTANCE_FIELDS = [TAG.sopClassUid, TAG.modality, TAG.manufacturer];
/** Characters sent as they are: unreserved ones, the wildcards, the PN component separator, the slash. */
const SAFE = /^[A-Za-z0-9\-._~*?^/]$/;

/** Free text as QIDO matching text that needs no percent-encoding (see above). */
export function matchingText(text: string): string {
  let out = '';
  for (const char of text) out += SAFE.test(char) ? char : char.charCodeAt(0) < 0x80 ? '?' : '*';
  return out.replace(/\*+/g, '*');
}

/** The query string of `params`, whose values must already be safe (matchingText, UIDs, dates, numbers). */
export function queryString(params: QidoParams): string {
  for (const [key, value] of params) {
    if (![...value].every((c) => SAFE.test(c))) throw new RangeError(`the ${key} value needs percent-encoding`);
  }
  return params.map(([key, value]) => `${key}=${value}`).join('&');
}

function checkDate(date: string | undefined, name: string): void {
  if (date !== undefined && !/^\d{8}$/.test(date)) throw new RangeError(`${name} must be a DICOM date YYYYMMDD`);
}

export function checkCount(count: number | undefined, name: string): void {
  if (count !== undefined && !(Number.isSafeInteger(count) && count >= 0)) throw new RangeError(`${name} must be a whole number`);
}

export function checkUid(uid: string, name: string): void {
  if (!isUid(uid)) throw new RangeError(`${name} is not a DICOM UID`);
}

function checkModality(modality: string): void {
  if (!/^[A-Z0-9_]{1,16}$/.test(modality)) throw new RangeError(`"${modality}" is not a modality code`);
}

/** The patient criteria: by name, and by ID when the text looks like one. */
export function patientCriteria(patient: string | undefined): QidoParams[] {
  const text = patient?.trim();
  if (!text) return [[]];
  const name: QidoParams = [['PatientName', matchingText(/[*?]/.test(text) ? text : `${text}*`)]];
  return /\d/.test(text) ? [name, [['PatientID', matchingText(text)]]] : [name];
}

/** The QIDO-RS searches (for `studies?…`, before paging) that together answer `query`, modalities aside. */
export function studySearches(query: Omit<StudyQuery, 'limit' | 'offset'>): QidoParams[] {
  checkDate(query.from, 'from');
  checkDate(query.to, 'to');
  query.modalities?.forEach(checkModality);
  return patientCriteria(query.patient).map((patient) => {
    const params: QidoParams = [...patient];
    if (query.from || query.to) params.push(['StudyDate', query.from === query.to ? query.from! : `${query.from ?? ''}-${query.to ?? ''}`]);
    for (const field of STUDY_FIELDS) params.push(['includefield', field]);
    return params;
  });
}

/** Whether a study has one of `modalities` (any, when none are asked for; kept when the peer did not say). */
export function hasModality(study: StudyMatch, modalities: readonly string[] | undefined): boolean {
  if (!modalities?.length || study.modalities.length === 0) return true;
  return study.modalities.some((modality) => modalities.includes(modality));
}

export interface InstanceFilter {
  seriesInstanceUid?: string;
  sopInstanceUid?: string;
  modality?: string;
}

/** The QIDO-RS parameters for `studies/{study}/instances?…`. */
export function instanceSearch(filter: InstanceFilter = {}): QidoParams {
  const params: QidoParams = [];
  if (filter.seriesInstanceUid !== undefined) {
    checkUid(filter.seriesInstanceUid, 'seriesInstanceUid');
    params.push(['SeriesInstanceUID', filter.seriesInstanceUid]);
  }
  if (filter.sopInstanceUid !== undefined) {
    checkUid(filter.sopInstanceUid, 'sopInstanceUid');
    params.push(['SOPInstanceUID', filter.sopInstanceUid]);
  }
  if (filter.modality !== undefined) {
    checkModality(filter.modality);
    params.push(['Modality', filter.modality]);
  }
  for (const field of INSTANCE_FIELDS) params.push(['includefield', field]);
  return params;
}

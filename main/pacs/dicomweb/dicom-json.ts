// Reading the DICOM JSON model (PS3.18 F.2: {"0020000D": {"vr": "UI", "Value": ["1.2.3"]}}) from a peer that may
// send anything: every reader returns null or an empty list for what is missing or of the wrong shape, never throws.
import type { InstanceMatch, StudyMatch } from '../peers';

export type DicomJsonObject = Record<string, unknown>;

/** A UID as PS3.5 9.1 allows it: numeric components, at most 64 characters. Only such UIDs go into URLs and files. */
export function isUid(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 64 && /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+$/.test(value);
}

export function isDicomJsonObject(value: unknown): value is DicomJsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function values(object: DicomJsonObject, tag: string): unknown[] {
  const attribute = object[tag];
  if (!isDicomJsonObject(attribute)) return [];
  return Array.isArray(attribute.Value) ? attribute.Value : [];
}

export function strings(object: DicomJsonObject, tag: string): string[] {
  return values(object, tag).filter((v): v is string => typeof v === 'string');
}

export function firstString(object: DicomJsonObject, tag: string): string | null {
  const value = values(object, tag)[0];
  return typeof value === 'string' ? value : null;
}

/** IS, US and friends come as JSON numbers; some peers send IS as a string. */
export function firstNumber(object: DicomJsonObject, tag: string): number | null {
  const value = values(object, tag)[0];
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : null;
}

/** A PN value's alphabetic group ({"Alphabetic": "Doe^John"}). */
export function personName(object: DicomJsonObject, tag: string): string | null {
  const value = values(object, tag)[0];
  return isDicomJsonObject(value) && typeof value.Alphabetic === 'string' ? value.Alphabetic : null;
}

export function sequence(object: DicomJsonObject, tag: string): DicomJsonObject[] {
  return values(object, tag).filter(isDicomJsonObject);
}

export const TAG = {
  sopClassUid: '00080016',
  sopInstanceUid: '00080018',
  studyDate: '00080020',
  studyTime: '00080030',
  accessionNumber: '00080050',
  modality: '00080060',
  modalitiesInStudy: '00080061',
  manufacturer: '00080070',
  studyDescription: '00081030',
  failedSopSequence: '00081198',
  referencedSopSequence: '00081199',
  referencedSopInstanceUid: '00081155',
  failureReason: '00081197',
  patientName: '00100010',
  patientId: '00100020',
  studyInstanceUid: '0020000D',
  seriesInstanceUid: '0020000E',
  numberOfStudyRelatedInstances: '00201208',
} as const;

/** A QIDO-RS study result, or null when it has no valid Study Instance UID. */
export function studyMatch(object: DicomJsonObject): StudyMatch | null {
  const studyInstanceUid = firstString(object, TAG.studyInstanceUid);
  if (!isUid(studyInstanceUid)) return null;
  return {
    studyInstanceUid,
    patientId: firstString(object, TAG.patientId),
    patientName: personName(object, TAG.patientName),
    studyDate: firstString(object, TAG.studyDate),
    studyTime: firstString(object, TAG.studyTime),
    accessionNumber: firstString(object, TAG.accessionNumber),
    studyDescription: firstString(object, TAG.studyDescription),
    modalities: strings(object, TAG.modalitiesInStudy),
    instanceCount: firstNumber(object, TAG.numberOfStudyRelatedInstances),
  };
}

/** A QIDO-RS instance result, or null unless its three UIDs are valid. */
export function instanceMatch(object: DicomJsonObject): InstanceMatch | null {
  const studyInstanceUid = firstString(object, TAG.studyInstanceUid);
  const seriesInstanceUid = firstString(object, TAG.seriesInstanceUid);
  const sopInstanceUid = firstString(object, TAG.sopInstanceUid);
  if (!isUid(studyInstanceUid) || !isUid(seriesInstanceUid) || !isUid(sopInstanceUid)) return null;
  const sopClassUid = firstString(object, TAG.sopClassUid);
  return {
    studyInstanceUid,
    seriesInstanceUid,
    sopInstanceUid,
    sopClassUid: isUid(sopClassUid) ? sopClassUid : null,
    modality: firstString(object, TAG.modality),
    manufacturer: firstString(object, TAG.manufacturer),
  };
}

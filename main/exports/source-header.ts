// What a derived object (SEG, Secondary Capture) takes from its source image: the identifying UIDs it references,
// and the Patient, General Study and Frame of Reference modules it must share with it, read through Pleura's own
// DICOM parser. An attribute the source lacks is written empty where DICOM needs it present (type 2).
import { readFile } from 'node:fs/promises';
import { parseFile } from '../studies/dicom/dataset';
import { DicomFileError } from '../studies/dicom/errors';

export interface SourceHeader {
  sopClassUid: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  frameOfReferenceUid: string | null;
  /** dcmjs keyword → value: the Patient and General Study modules (and the character set they are written in) */
  shared: Record<string, string | string[]>;
  patientOrientation: string[] | null;
}

const SHARED_TAGS: Record<string, string> = {
  PatientName: 'x00100010',
  PatientID: 'x00100020',
  PatientBirthDate: 'x00100030',
  PatientSex: 'x00100040',
  StudyDate: 'x00080020',
  StudyTime: 'x00080030',
  ReferringPhysicianName: 'x00080090',
  StudyID: 'x00200010',
  AccessionNumber: 'x00080050',
};
const OPTIONAL_TAGS: Record<string, string> = { SpecificCharacterSet: 'x00080005', StudyDescription: 'x00081030', PatientAge: 'x00101010' };
const MULTI_VALUED = new Set(['SpecificCharacterSet']);

export async function readSourceHeader(file: string): Promise<SourceHeader> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw DicomFileError.from(error, file);
  }
  const { dataSet, meta } = parseFile(bytes, file);
  const text = (tag: string) => dataSet.string(tag)?.replace(/\0/g, '').trim() || null;
  const required = (tag: string, name: string) => {
    const value = text(tag);
    if (!value) throw new Error(`${file}: the source image has no ${name}, which a derived object must reference`);
    return value;
  };
  const shared: Record<string, string | string[]> = {};
  for (const [keyword, tag] of Object.entries(SHARED_TAGS)) shared[keyword] = text(tag) ?? '';
  for (const [keyword, tag] of Object.entries(OPTIONAL_TAGS)) {
    const value = text(tag);
    if (value) shared[keyword] = MULTI_VALUED.has(keyword) ? value.split('\\') : value;
  }
  const orientation = text('x00200020');
  return {
    sopClassUid: text('x00080016') ?? meta.sopClassUid ?? required('x00080016', 'SOP Class UID'),
    sopInstanceUid: required('x00080018', 'SOP Instance UID'),
    seriesInstanceUid: required('x0020000e', 'Series Instance UID'),
    studyInstanceUid: required('x0020000d', 'Study Instance UID'),
    frameOfReferenceUid: text('x00200052'),
    shared,
    patientOrientation: orientation ? orientation.split('\\') : null,
  };
}

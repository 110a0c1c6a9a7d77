// A naturalised data set (dcmjs keywords) as a DICOM Part 10 file: preamble, file meta group, Explicit VR Little
// Endian body. dcmjs looks up each keyword's VR in its dictionary; _vrMap settles the ambiguous ones (Pixel Data).
import dcmjs from 'dcmjs';

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** Pleura's implementation class UID (a 2.25 UUID UID), the same in every file it writes. */
export const IMPLEMENTATION_CLASS_UID = '2.25.80302813137786398554742050926734630921';

export function writePart10(dataset: Record<string, unknown> & { SOPClassUID: string; SOPInstanceUID: string }, implementationVersionName: string): Uint8Array {
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: dataset.SOPClassUID,
    MediaStorageSOPInstanceUID: dataset.SOPInstanceUID,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: implementationVersionName,
  };
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dict.write());
}

/** DICOM DA and TM of a moment, in local time as DICOM dates are. */
export function dicomDateTime(at: Date): { date: string; time: string } {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return {
    date: `${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())}`,
    time: `${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}`,
  };
}

// DIMSE carries data sets; files carry a Part 10 header (preamble, "DICM", file meta group) before them. A received
// data set gets a header made from its C-STORE command, and a file to send is split at the end of its header, so
// the data set's own bytes pass through untouched, never decoded and re-encoded.
import dcmjs from 'dcmjs';
import dicomParser from 'dicom-parser';
import { IMPLEMENTATION_CLASS_UID } from '../../exports/part10';

export interface Part10Meta {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
}

const PREAMBLE = 128;
const META_START = PREAMBLE + 4;

/** The preamble, "DICM" and the file meta group (explicit VR little endian, PS3.10 7.1) for a data set. */
export function part10Header(meta: Part10Meta): Uint8Array {
  const group = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: meta.sopClassUid,
    MediaStorageSOPInstanceUID: meta.sopInstanceUid,
    TransferSyntaxUID: meta.transferSyntaxUid,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: 'PLEURA_DIMSE',
  };
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(group));
  dict.dict = {};
  return new Uint8Array(dict.write());
}

/** A Part 10 file's header values and where its data set starts; a reason where `bytes` do not start with one. */
export function readPart10Meta(bytes: Uint8Array): (Part10Meta & { dataSetOffset: number }) | { refusal: string } {
  if (bytes.length < META_START || Buffer.from(bytes.buffer, bytes.byteOffset + PREAMBLE, 4).toString('latin1') !== 'DICM') {
    return { refusal: 'not a DICOM Part 10 file (no "DICM" at byte 128)' };
  }
  const parser = dicomParser.littleEndianByteArrayParser;
  const stream = new dicomParser.ByteStream(parser, bytes, META_START);
  const elements: Record<string, dicomParser.Element> = {};
  try {
    while (stream.position + 6 <= bytes.length && parser.readUint16(bytes, stream.position) === 0x0002) {
      const element = dicomParser.readDicomElementExplicit(stream, []);
      elements[element.tag] = element;
    }
  } catch {
    return { refusal: 'its file meta group is damaged' };
  }
  if (stream.position > bytes.length) return { refusal: 'its file meta group runs past the end of the file' };
  const value = (tag: string) => {
    const element = elements[tag];
    if (!element || element.dataOffset + element.length > bytes.length) return '';
    return dicomParser.readFixedString(bytes, element.dataOffset, element.length).replace(/\0/g, '').trim();
  };
  const found = { sopClassUid: value('x00020002'), sopInstanceUid: value('x00020003'), transferSyntaxUid: value('x00020010') };
  const missing = Object.entries(found).filter(([, uid]) => uid === '').map(([name]) => name);
  if (missing.length > 0) return { refusal: `its file meta group lacks ${missing.join(', ')}` };
  return { ...found, dataSetOffset: stream.position };
}

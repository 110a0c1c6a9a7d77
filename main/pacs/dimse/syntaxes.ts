// What Pleura takes in over DIMSE: the chest radiograph storage classes and the derived objects Pleura itself
// makes (SEG, SR), in the transfer syntaxes its decoder reads. Everything else is refused at negotiation, so a
// peer learns before sending a byte that a CT or an MPEG will not be kept.
import { EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN, transferSyntax } from '../../studies/dicom/transfer-syntax';

export const VERIFICATION = '1.2.840.10008.1.1';
export const STUDY_ROOT_FIND = '1.2.840.10008.5.1.4.1.2.2.1';
export const STUDY_ROOT_MOVE = '1.2.840.10008.5.1.4.1.2.2.2';
export const STUDY_ROOT_GET = '1.2.840.10008.5.1.4.1.2.2.3';

/** Image classes: every decodable transfer syntax. */
const IMAGE_STORAGE: Record<string, string> = {
  '1.2.840.10008.5.1.4.1.1.1': 'CR Image Storage',
  '1.2.840.10008.5.1.4.1.1.1.1': 'Digital X-Ray Image Storage - For Presentation',
  '1.2.840.10008.5.1.4.1.1.1.1.1': 'Digital X-Ray Image Storage - For Processing',
  '1.2.840.10008.5.1.4.1.1.7': 'Secondary Capture Image Storage',
};

/** Derived objects: uncompressed only (a SEG's bit-packed frames and an SR's content tree are never JPEG). */
const DERIVED_STORAGE: Record<string, string> = {
  '1.2.840.10008.5.1.4.1.1.66.4': 'Segmentation Storage',
  '1.2.840.10008.5.1.4.1.1.88.11': 'Basic Text SR Storage',
  '1.2.840.10008.5.1.4.1.1.88.22': 'Enhanced SR Storage',
  '1.2.840.10008.5.1.4.1.1.88.33': 'Comprehensive SR Storage',
  '1.2.840.10008.5.1.4.1.1.88.34': 'Comprehensive 3D SR Storage',
};

const UNCOMPRESSED = [EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN];

/** In the order Pleura prefers them when it proposes (C-GET): lossless before lossy. */
export const IMAGE_TRANSFER_SYNTAXES = [
  ...UNCOMPRESSED,
  '1.2.840.10008.1.2.5', // RLE Lossless
  '1.2.840.10008.1.2.4.70', // JPEG Lossless SV1
  '1.2.840.10008.1.2.4.57', // JPEG Lossless
  '1.2.840.10008.1.2.4.80', // JPEG-LS Lossless
  '1.2.840.10008.1.2.4.90', // JPEG 2000 Lossless
  '1.2.840.10008.1.2.4.50', // JPEG Baseline
  '1.2.840.10008.1.2.4.51', // JPEG Extended
  '1.2.840.10008.1.2.4.81', // JPEG-LS Near-Lossless
  '1.2.840.10008.1.2.4.91', // JPEG 2000
];

/** The transfer syntaxes Pleura accepts for a storage SOP class; empty for a class it does not take in. */
export function acceptedTransferSyntaxes(sopClassUid: string): string[] {
  if (sopClassUid in IMAGE_STORAGE) return IMAGE_TRANSFER_SYNTAXES;
  if (sopClassUid in DERIVED_STORAGE) return UNCOMPRESSED;
  return [];
}

export const STORAGE_SOP_CLASSES = [...Object.keys(IMAGE_STORAGE), ...Object.keys(DERIVED_STORAGE)];

const NAMES: Record<string, string> = {
  ...IMAGE_STORAGE,
  ...DERIVED_STORAGE,
  [VERIFICATION]: 'Verification',
  [STUDY_ROOT_FIND]: 'Study Root Query/Retrieve - FIND',
  [STUDY_ROOT_MOVE]: 'Study Root Query/Retrieve - MOVE',
  [STUDY_ROOT_GET]: 'Study Root Query/Retrieve - GET',
};

/** "CR Image Storage (1.2.840.10008.5.1.4.1.1.1)" */
export function sopClassName(uid: string): string {
  return NAMES[uid] ? `${NAMES[uid]} (${uid})` : uid;
}

/** "JPEG Baseline (Process 1) (1.2.840.10008.1.2.4.50)" */
export function transferSyntaxName(uid: string): string {
  const { name } = transferSyntax(uid);
  return name === 'unknown transfer syntax' ? uid : `${name} (${uid})`;
}

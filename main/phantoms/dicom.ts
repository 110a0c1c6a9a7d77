// One phantom as a DICOM file shaped like SIIM's: CR, PA, MONOCHROME2, 8-bit, JPEG Baseline in encapsulated
// Pixel Data. Everything that could pass for a patient says SYNTHETIC.
import { randomUUID } from 'node:crypto';
import dcmjs from 'dcmjs';
import type { Plane } from '../../ml/preprocess';
import { encodeJpegBaseline } from './jpeg';
import { PHANTOM_DEIDENTIFICATION } from './phantom-mark';

export const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';
export const CR_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.1';
/** SIIM's pixel spacing at 1024 pixels, scaled for other sizes so the chest keeps its physical width. */
const SPACING_AT_1024 = 0.143;

/** A UID under 2.25 (ISO/IEC 9834-8): a random UUID as one decimal integer. */
export function newUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replaceAll('-', '')}`).toString()}`;
}

export interface PhantomInstance {
  image: Plane;
  /** 1-based, for PatientName Phantom^NNNN */
  number: number;
  patientId: string;
  studyUid: string;
  seriesUid: string;
  sopInstanceUid: string;
  seed: number;
}

export async function phantomDicom(instance: PhantomInstance): Promise<Uint8Array> {
  const { image, number } = instance;
  const pixels = Uint8Array.from(image.data);
  const jpeg = await encodeJpegBaseline(pixels, image.rows, image.columns);
  const spacing = ((SPACING_AT_1024 * 1024) / image.rows).toFixed(4).replace(/0+$/, '');
  const name = String(number).padStart(4, '0');
  const dataset = {
    SpecificCharacterSet: 'ISO_IR 100',
    ImageType: ['DERIVED', 'SECONDARY'],
    SOPClassUID: CR_IMAGE_STORAGE,
    SOPInstanceUID: instance.sopInstanceUid,
    StudyDate: '20260101',
    StudyTime: '000000',
    AccessionNumber: '',
    Modality: 'CR',
    ConversionType: 'WSD',
    ReferringPhysicianName: '',
    StudyDescription: 'Pleura synthetic phantom',
    SeriesDescription: 'view: PA',
    PatientName: `Phantom^${name}`,
    PatientID: instance.patientId,
    PatientBirthDate: '',
    PatientSex: 'O',
    PatientAge: '',
    BodyPartExamined: 'CHEST',
    ViewPosition: 'PA',
    StudyInstanceUID: instance.studyUid,
    SeriesInstanceUID: instance.seriesUid,
    StudyID: '',
    SeriesNumber: '1',
    InstanceNumber: '1',
    PatientOrientation: ['L', 'F'],
    ImageComments: `SYNTHETIC phantom made by Pleura (seed ${instance.seed}); not a patient, not for clinical use`,
    BurnedInAnnotation: 'NO',
    PatientIdentityRemoved: 'YES',
    DeidentificationMethod: PHANTOM_DEIDENTIFICATION,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: image.rows,
    Columns: image.columns,
    PixelSpacing: [spacing, spacing],
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    LossyImageCompression: '01',
    LossyImageCompressionMethod: 'ISO_10918_1',
    PixelData: [jpeg.buffer.slice(jpeg.byteOffset, jpeg.byteOffset + jpeg.byteLength)],
    _vrMap: { PixelData: 'OB' },
  };
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: CR_IMAGE_STORAGE,
    MediaStorageSOPInstanceUID: instance.sopInstanceUid,
    TransferSyntaxUID: JPEG_BASELINE,
    ImplementationClassUID: '2.25.80302813137786398554742050926734630921',
    ImplementationVersionName: 'PLEURA_PHANTOM',
  };
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dict.write({ fragmentMultiframe: false }));
}

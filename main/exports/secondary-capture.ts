// A DICOM Secondary Capture of what the reviewer saw: the radiograph with the heatmap and the mask's contour burned
// in, and the "AI result - not for diagnosis" label in the pixels. The header says so too (BurnedInAnnotation YES,
// DERIVED\SECONDARY, DerivationDescription), shares the source's Patient and Study and references the source image.
import { SOURCE_IMAGE_PURPOSE } from './codes';
import { instanceUids, type InstanceUids } from './derived-uid';
import { dicomDateTime, writePart10 } from './part10';
import type { RgbImage } from './rgb-image';
import type { SourceHeader } from './source-header';

export const SECONDARY_CAPTURE_STORAGE = '1.2.840.10008.5.1.4.1.1.7';

export interface SecondaryCaptureOptions {
  source: SourceHeader;
  /** the composed picture, label already burned in */
  image: RgbImage;
  /** says what was burned in, in words */
  derivation: string;
  softwareVersion: string;
  at?: Date;
  /** derived UIDs for a result sent again; new ones otherwise */
  uids?: InstanceUids;
}

export function buildSecondaryCapture(options: SecondaryCaptureOptions): InstanceUids & { bytes: Uint8Array } {
  const { source, image } = options;
  const { date, time } = dicomDateTime(options.at ?? new Date());
  const uids = instanceUids(options.uids);
  // Pixel Data has an even length: an odd one gets a pad byte.
  const pixels = new Uint8Array(image.data.length + (image.data.length % 2));
  pixels.set(image.data);
  const dataset = {
    ...source.shared,
    SOPClassUID: SECONDARY_CAPTURE_STORAGE,
    SOPInstanceUID: uids.sopInstanceUid,
    StudyInstanceUID: source.studyInstanceUid,
    SeriesInstanceUID: uids.seriesInstanceUid,
    Modality: 'OT',
    SeriesNumber: '901',
    // A chest is not a paired structure: saying so spares Laterality (type 2C).
    BodyPartExamined: 'CHEST',
    SeriesDescription: 'Pleura AI result - not for diagnosis',
    InstanceNumber: '1',
    Manufacturer: 'Pleura',
    SoftwareVersions: options.softwareVersion,
    ConversionType: 'WSD',
    DateOfSecondaryCapture: date,
    TimeOfSecondaryCapture: time,
    ImageType: ['DERIVED', 'SECONDARY'],
    DerivationDescription: options.derivation.slice(0, 1024),
    PatientOrientation: source.patientOrientation ?? '',
    ContentDate: date,
    ContentTime: time,
    InstanceCreationDate: date,
    InstanceCreationTime: time,
    BurnedInAnnotation: 'YES',
    ImageComments: 'AI result - not for diagnosis. Heatmap and mask contour burned into the pixels by Pleura.',
    SourceImageSequence: [
      {
        ReferencedSOPClassUID: source.sopClassUid,
        ReferencedSOPInstanceUID: source.sopInstanceUid,
        PurposeOfReferenceCodeSequence: [SOURCE_IMAGE_PURPOSE],
      },
    ],
    SamplesPerPixel: 3,
    PhotometricInterpretation: 'RGB',
    PlanarConfiguration: 0,
    Rows: image.rows,
    Columns: image.columns,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    PixelData: pixels.buffer,
    _vrMap: { PixelData: 'OB' },
  };
  return { ...uids, bytes: writePart10(dataset, 'PLEURA_SC') };
}

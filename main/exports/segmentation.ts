// A DICOM Segmentation (binary, one segment, one frame) of the pneumothorax mask on one radiograph. It shares the
// source's Patient, Study and Frame of Reference, names the source in the Derivation Image functional group and the
// Common Instance Reference module, and says who made the mask: the model (AUTOMATIC) or a reviewer (MANUAL).
import { checkRaster, type Mask } from '../../ml/post';
import { AI_ALGORITHM_FAMILY, PNEUMOTHORAX_CATEGORY, PNEUMOTHORAX_TYPE, SEGMENTATION_DERIVATION, SOURCE_IMAGE_PURPOSE } from './codes';
import { derivedUid, instanceUids, type InstanceUids } from './derived-uid';
import { dicomDateTime, writePart10 } from './part10';
import type { SourceHeader } from './source-header';

export const SEGMENTATION_STORAGE = '1.2.840.10008.5.1.4.1.1.66.4';

export interface SegmentationOptions {
  source: SourceHeader;
  /** 0/1 at the source image's rows x columns */
  mask: Mask;
  /** AUTOMATIC: the model's mask as it came; MANUAL: a reviewer confirmed, edited or rejected it */
  algorithmType: 'AUTOMATIC' | 'MANUAL';
  /** `<id>@<version>` of every model that made the verdict */
  models: readonly string[];
  /** the reviewer, for a MANUAL segmentation */
  creator: string | null;
  softwareVersion: string;
  at?: Date;
  /** derived UIDs for a result sent again; new ones otherwise */
  uids?: InstanceUids;
}

export function buildSegmentation(options: SegmentationOptions): InstanceUids & { bytes: Uint8Array } {
  const { source, mask } = options;
  checkRaster(mask, 'segmentation mask');
  const { date, time } = dicomDateTime(options.at ?? new Date());
  const uids = instanceUids(options.uids);
  // Its other UIDs follow from its own and its source's (the Frame of Reference of a source that has none): the same
  // result built again is the same object.
  const dimensionOrganizationUid = derivedUid(uids.sopInstanceUid, 'dimension organization');
  const algorithm = algorithmIdentity(options.models);
  const sourceReference = { ReferencedSOPClassUID: source.sopClassUid, ReferencedSOPInstanceUID: source.sopInstanceUid };
  const dataset = {
    ...source.shared,
    SOPClassUID: SEGMENTATION_STORAGE,
    SOPInstanceUID: uids.sopInstanceUid,
    StudyInstanceUID: source.studyInstanceUid,
    SeriesInstanceUID: uids.seriesInstanceUid,
    Modality: 'SEG',
    SeriesNumber: '900',
    SeriesDescription: 'Pleura pneumothorax segmentation',
    InstanceNumber: '1',
    ImageType: ['DERIVED', 'PRIMARY'],
    PatientOrientation: source.patientOrientation ?? '',
    InstanceCreationDate: date,
    InstanceCreationTime: time,
    ContentDate: date,
    ContentTime: time,
    Manufacturer: 'Pleura',
    ManufacturerModelName: 'Pleura workstation',
    DeviceSerialNumber: 'software',
    SoftwareVersions: options.softwareVersion,
    FrameOfReferenceUID: source.frameOfReferenceUid ?? derivedUid(source.sopInstanceUid, 'frame of reference'),
    PositionReferenceIndicator: '',
    ContentLabel: 'PNEUMOTHORAX',
    ContentDescription: options.algorithmType === 'MANUAL' ? 'Pneumothorax mask after review' : 'Pneumothorax mask by the AI model',
    ContentCreatorName: options.creator ?? '',
    SegmentationType: 'BINARY',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: mask.rows,
    Columns: mask.columns,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    NumberOfFrames: '1',
    SegmentSequence: [
      {
        SegmentNumber: 1,
        SegmentLabel: 'Pneumothorax',
        SegmentAlgorithmType: options.algorithmType,
        // Named only for a computed mask (type 1C); the identification below still says which model started a manual one.
        ...(options.algorithmType === 'MANUAL' ? {} : { SegmentAlgorithmName: algorithm.name }),
        SegmentedPropertyCategoryCodeSequence: [PNEUMOTHORAX_CATEGORY],
        SegmentedPropertyTypeCodeSequence: [PNEUMOTHORAX_TYPE],
        SegmentationAlgorithmIdentificationSequence: [
          { AlgorithmFamilyCodeSequence: [AI_ALGORITHM_FAMILY], AlgorithmName: algorithm.name, AlgorithmVersion: algorithm.version, AlgorithmParameters: options.models.join(' ') },
        ],
      },
    ],
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganizationUid }],
    DimensionIndexSequence: [
      {
        DimensionOrganizationUID: dimensionOrganizationUid,
        DimensionIndexPointer: 0x0062000b,
        FunctionalGroupPointer: 0x0062000a,
        DimensionDescriptionLabel: 'Segment Number',
      },
    ],
    SharedFunctionalGroupsSequence: [{ SegmentIdentificationSequence: [{ ReferencedSegmentNumber: 1 }] }],
    PerFrameFunctionalGroupsSequence: [
      {
        DerivationImageSequence: [
          {
            SourceImageSequence: [{ ...sourceReference, PurposeOfReferenceCodeSequence: [SOURCE_IMAGE_PURPOSE] }],
            DerivationCodeSequence: [SEGMENTATION_DERIVATION],
          },
        ],
        FrameContentSequence: [{ DimensionIndexValues: [1] }],
      },
    ],
    ReferencedSeriesSequence: [{ SeriesInstanceUID: source.seriesInstanceUid, ReferencedInstanceSequence: [sourceReference] }],
    PixelData: packBits(mask.data).buffer,
    _vrMap: { PixelData: 'OB' },
  };
  return { ...uids, bytes: writePart10(dataset, 'PLEURA_SEG') };
}

/** A single model is named by its id and version; an ensemble by its size, with every model in the version. */
export function algorithmIdentity(models: readonly string[]): { name: string; version: string } {
  const clip = (text: string) => (text.length > 64 ? `${text.slice(0, 61)}...` : text);
  if (models.length === 1) {
    const at = models[0].lastIndexOf('@');
    return at > 0 ? { name: clip(models[0].slice(0, at)), version: clip(models[0].slice(at + 1)) } : { name: clip(models[0]), version: 'unknown' };
  }
  return { name: `Pleura ensemble of ${models.length} models`, version: clip(models.join(' + ') || 'unknown') };
}

/** One bit a pixel, first pixel in the lowest bit (PS3.5 8.1.1), padded to an even length. */
export function packBits(pixels: Uint8Array): Uint8Array {
  const bytes = Math.ceil(pixels.length / 8);
  const packed = new Uint8Array(bytes + (bytes % 2));
  for (let i = 0; i < pixels.length; i++) if (pixels[i] !== 0) packed[i >> 3] |= 1 << (i & 7);
  return packed;
}

// A parsed file → InstanceInfo, refusing (with a specific code) every header that cannot give an image.
import type { DataSet } from 'dicom-parser';
import type { InstanceInfo, PixelSpacing, VoiWindow } from '../../api/contract';
import type { ParsedFile } from './dataset';
import { DicomFileError } from './errors';

/** Far beyond any radiograph detector (CR/DX stay under about 5,000 pixels a side): larger headers are corrupt. */
export const MAX_DIMENSION = 16384;
const BITS_ALLOCATED = new Set([1, 8, 16, 32]);

export function instanceInfo(file: ParsedFile, path: string): InstanceInfo {
  const { dataSet: ds, syntax } = file;
  if (!file.pixelData) {
    const sopClass = ds.string('x00080016') ?? file.meta.sopClassUid;
    throw new DicomFileError('no-pixel-data', path, `no Pixel Data (7FE0,0010): not an image${sopClass ? ` (SOP class ${sopClass})` : ''}`);
  }
  const pixel = pixelDescription(ds, path);
  if (syntax.encoding === 'unsupported') {
    throw new DicomFileError('unsupported-transfer-syntax', path, `transfer syntax ${syntax.uid} (${syntax.name}) is not supported`);
  }
  return {
    path,
    transferSyntaxUid: syntax.uid,
    transferSyntaxName: syntax.name,
    hasPreamble: file.hasPreamble,
    hasFileMeta: file.hasFileMeta,
    sopClassUid: text(ds, 'x00080016') ?? file.meta.sopClassUid ?? null,
    // Identity falls back to the meta group; a file without any UID gets '' and the caller decides what that means.
    sopInstanceUid: text(ds, 'x00080018') ?? file.meta.sopInstanceUid ?? '',
    studyInstanceUid: text(ds, 'x0020000d') ?? '',
    seriesInstanceUid: text(ds, 'x0020000e') ?? '',
    patientId: text(ds, 'x00100020'),
    patientName: text(ds, 'x00100010'),
    patientSex: text(ds, 'x00100040'),
    patientBirthDate: text(ds, 'x00100030'),
    studyDate: text(ds, 'x00080020'),
    studyTime: text(ds, 'x00080030'),
    studyDescription: text(ds, 'x00081030'),
    accessionNumber: text(ds, 'x00080050'),
    seriesNumber: numberString(ds, 'x00200011'),
    seriesDescription: text(ds, 'x0008103e'),
    instanceNumber: numberString(ds, 'x00200013'),
    modality: text(ds, 'x00080060'),
    bodyPartExamined: text(ds, 'x00180015'),
    viewPosition: text(ds, 'x00185101'),
    imageType: text(ds, 'x00080008'),
    manufacturer: text(ds, 'x00080070'),
    burnedInAnnotation: text(ds, 'x00280301'),
    deidentificationMethod: text(ds, 'x00120063'),
    ...pixel,
    rescaleSlope: numberString(ds, 'x00281053') ?? 1,
    rescaleIntercept: numberString(ds, 'x00281052') ?? 0,
    hasModalityLut: (ds.elements.x00283000?.items?.length ?? 0) > 0,
    window: voiWindow(ds),
    pixelSpacing: pixelSpacing(ds),
  };
}

function pixelDescription(ds: DataSet, path: string) {
  const required = {
    'Rows (0028,0010)': ds.uint16('x00280010'),
    'Columns (0028,0011)': ds.uint16('x00280011'),
    'BitsAllocated (0028,0100)': ds.uint16('x00280100'),
    'PhotometricInterpretation (0028,0004)': text(ds, 'x00280004') ?? undefined,
  };
  const missing = Object.entries(required).filter(([, value]) => value === undefined).map(([name]) => name);
  if (missing.length) throw new DicomFileError('missing-pixel-description', path, `missing ${missing.join(', ')}: the pixels cannot be described`);
  const rows = required['Rows (0028,0010)']!;
  const columns = required['Columns (0028,0011)']!;
  if (rows < 1 || columns < 1 || rows > MAX_DIMENSION || columns > MAX_DIMENSION) {
    throw new DicomFileError('absurd-dimensions', path, `Rows ${rows} x Columns ${columns} ${rows < 1 || columns < 1 ? 'is empty' : `exceeds the ${MAX_DIMENSION} limit`}`);
  }
  const bitsAllocated = required['BitsAllocated (0028,0100)']!;
  const bitsStored = ds.uint16('x00280101') ?? bitsAllocated;
  const highBit = ds.uint16('x00280102') ?? bitsStored - 1;
  const pixelRepresentation = ds.uint16('x00280103') ?? 0;
  const samplesPerPixel = ds.uint16('x00280002') ?? 1;
  const numberOfFrames = Math.max(1, numberString(ds, 'x00280008') ?? 1);
  const invalid = [
    !BITS_ALLOCATED.has(bitsAllocated) && `BitsAllocated ${bitsAllocated} is not 1, 8, 16 or 32`,
    (bitsStored < 1 || bitsStored > bitsAllocated) && `BitsStored ${bitsStored} does not fit BitsAllocated ${bitsAllocated}`,
    highBit >= bitsAllocated && `HighBit ${highBit} lies outside BitsAllocated ${bitsAllocated}`,
    pixelRepresentation > 1 && `PixelRepresentation ${pixelRepresentation} is not 0 or 1`,
    samplesPerPixel !== 1 && samplesPerPixel !== 3 && `SamplesPerPixel ${samplesPerPixel} is not 1 or 3`,
  ].filter(Boolean);
  if (invalid.length) throw new DicomFileError('missing-pixel-description', path, `invalid pixel description: ${invalid.join('; ')}`);
  return {
    rows,
    columns,
    numberOfFrames,
    bitsAllocated,
    bitsStored,
    highBit,
    pixelRepresentation,
    samplesPerPixel,
    photometricInterpretation: required['PhotometricInterpretation (0028,0004)']!,
  };
}

/** The first window of a multi-valued VOI (the file's preferred one); none when absent or not positive. */
function voiWindow(ds: DataSet): VoiWindow | null {
  const center = decimalValue(ds, 'x00281050', 0);
  const width = decimalValue(ds, 'x00281051', 0);
  return center !== undefined && width !== undefined && Number.isFinite(center) && Number.isFinite(width) && width > 0
    ? { center, width }
    : null;
}

function pixelSpacing(ds: DataSet): PixelSpacing | null {
  for (const [tag, source] of [
    ['x00280030', 'PixelSpacing'],
    ['x00181164', 'ImagerPixelSpacing'],
  ] as const) {
    const row = decimalValue(ds, tag, 0);
    const column = decimalValue(ds, tag, 1);
    if (row !== undefined && column !== undefined && row > 0 && column > 0) return { row, column, source };
  }
  return null;
}

function text(ds: DataSet, tag: string): string | null {
  const value = ds.string(tag)?.replace(/\0/g, '').trim();
  return value ? value : null;
}

function numberString(ds: DataSet, tag: string): number | null {
  const value = decimalValue(ds, tag, 0);
  return value !== undefined && Number.isFinite(value) ? value : null;
}

/**
 * Value `index` of a multi-valued decimal string, or undefined when it has fewer values. dicom-parser's floatString
 * throws on a missing value (PixelSpacing "0.2" asked for its second), which would fail a file that only lacks a spacing.
 */
function decimalValue(ds: DataSet, tag: string, index: number): number | undefined {
  const value = ds.string(tag)?.split('\\')[index];
  return value === undefined ? undefined : parseFloat(value);
}

// What Cornerstone needs to know about a decoded image, derived from the main process's DecodedImage alone.
// The pixels arrive after the modality transform, so Cornerstone must not rescale them again (slope 1,
// intercept 0); MONOCHROME1 inversion is the main process's decision (`invert`) and only displayed here.
import type { Types } from '@cornerstonejs/core';
import type { DecodedImage, InstanceInfo } from '../../main/api/contract';

export type ImageDescription = Omit<Types.IImage, 'getPixelData' | 'getCanvas' | 'voxelManager' | 'voiLUTFunction'>;

export function assertDisplayable(decoded: DecodedImage): void {
  const expected = decoded.rows * decoded.columns;
  if (!(decoded.pixels instanceof Float32Array)) {
    throw new Error(`Image ${decoded.info.sopInstanceUid}: pixels arrived as ${describeValue(decoded.pixels)}, not a Float32Array`);
  }
  if (decoded.pixels.length !== expected) {
    throw new Error(
      `Image ${decoded.info.sopInstanceUid}: ${decoded.pixels.length} pixels for ${decoded.rows}x${decoded.columns} (expected ${expected})`,
    );
  }
  if (!(decoded.window.width > 0)) {
    throw new Error(`Image ${decoded.info.sopInstanceUid}: window width ${decoded.window.width} must be positive`);
  }
}

export function describeDecodedImage(imageId: string, decoded: DecodedImage): ImageDescription {
  const spacing = decoded.info.pixelSpacing;
  return {
    imageId,
    rows: decoded.rows,
    columns: decoded.columns,
    height: decoded.rows,
    width: decoded.columns,
    minPixelValue: decoded.minValue,
    maxPixelValue: decoded.maxValue,
    slope: 1,
    intercept: 0,
    windowCenter: decoded.window.center,
    windowWidth: decoded.window.width,
    invert: decoded.invert,
    photometricInterpretation: displayPhotometric(decoded),
    color: false,
    rgba: false,
    numberOfComponents: 1,
    rowPixelSpacing: spacing?.row ?? 1,
    columnPixelSpacing: spacing?.column ?? 1,
    sizeInBytes: decoded.pixels.byteLength,
    dataType: 'Float32Array',
    decodeTimeInMS: decoded.decodeMs,
  };
}

/** Cornerstone's metadata modules for one image, by module name (what its metadata providers answer). */
export function metadataModules(decoded: DecodedImage): Record<string, unknown> {
  const { info } = decoded;
  const spacing = info.pixelSpacing;
  return {
    imagePixelModule: {
      samplesPerPixel: 1,
      photometricInterpretation: displayPhotometric(decoded),
      rows: decoded.rows,
      columns: decoded.columns,
      bitsAllocated: 32,
      bitsStored: 32,
      highBit: 31,
      pixelRepresentation: 1,
    },
    imagePlaneModule: {
      frameOfReferenceUID: info.seriesInstanceUid,
      rows: decoded.rows,
      columns: decoded.columns,
      // A projection film has no patient geometry; these are the defaults Cornerstone assumes for the image itself,
      // stated so that images derived from it (the mask's labelmap) get the same plane.
      imagePositionPatient: [0, 0, 0],
      imageOrientationPatient: [1, 0, 0, 0, 1, 0],
      rowCosines: [1, 0, 0],
      columnCosines: [0, 1, 0],
      ...(spacing && {
        pixelSpacing: [spacing.row, spacing.column],
        rowPixelSpacing: spacing.row,
        columnPixelSpacing: spacing.column,
      }),
    },
    generalSeriesModule: {
      modality: info.modality ?? 'OT',
      seriesInstanceUID: info.seriesInstanceUid,
      seriesNumber: info.seriesNumber,
      seriesDescription: info.seriesDescription,
      studyInstanceUID: info.studyInstanceUid,
    },
    generalImageModule: { sopInstanceUID: info.sopInstanceUid, instanceNumber: info.instanceNumber },
    sopCommonModule: { sopClassUID: info.sopClassUid, sopInstanceUID: info.sopInstanceUid },
    voiLutModule: { windowCenter: [decoded.window.center], windowWidth: [decoded.window.width] },
    modalityLutModule: { rescaleSlope: 1, rescaleIntercept: 0 },
    transferSyntax: { transferSyntaxUID: info.transferSyntaxUid },
  };
}

/** The photometric interpretation of the pixels as delivered (always grayscale; MONOCHROME1 when inverted). */
function displayPhotometric(decoded: DecodedImage): InstanceInfo['photometricInterpretation'] {
  return decoded.invert ? 'MONOCHROME1' : 'MONOCHROME2';
}

function describeValue(value: unknown): string {
  return value === null || typeof value !== 'object' ? String(value) : (value.constructor?.name ?? 'an object');
}

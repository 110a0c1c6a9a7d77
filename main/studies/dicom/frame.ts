// The bytes of frame 0 (Pleura shows and analyses the first frame of a multi-frame instance), native or
// encapsulated, checked against the file's end and the pixel description before any decoder sees them.
import dicomParser from 'dicom-parser';
import type { InstanceInfo } from '../../api/contract';
import type { ParsedFile } from './dataset';
import { DicomFileError } from './errors';

export function firstFrameBytes(file: ParsedFile, info: InstanceInfo, path: string): Uint8Array {
  const element = file.pixelData!;
  const { dataSet } = file;
  const native = file.syntax.encoding === 'native';
  if (native !== !element.encapsulatedPixelData) {
    throw new DicomFileError(
      'decode-failed',
      path,
      `Pixel Data is ${element.encapsulatedPixelData ? 'encapsulated' : 'native'} but the transfer syntax ${info.transferSyntaxUid} says it is ${native ? 'native' : 'encapsulated'}`,
    );
  }
  if (native) {
    const needed = Math.ceil((info.rows * info.columns * info.samplesPerPixel * info.bitsAllocated) / 8);
    if (element.length < needed) {
      throw new DicomFileError(
        'decode-failed',
        path,
        `Pixel Data holds ${element.length} bytes but Rows ${info.rows} x Columns ${info.columns} x ${info.samplesPerPixel} sample(s) x ${info.bitsAllocated} bits needs ${needed}`,
      );
    }
    return dataSet.byteArray.subarray(element.dataOffset, element.dataOffset + needed);
  }
  const fragments = element.fragments ?? [];
  const end = dataSet.byteArray.length;
  // dicom-parser stops at the end of the buffer without complaint: a fragment running past it, or a missing
  // sequence delimiter, means the file was cut.
  const cut = fragments.some((f) => f.position + f.length > end) || dataSet.warnings.some((w) => /delimit|eof|end of/i.test(w));
  if (cut) throw new DicomFileError('truncated', path, `file ends at byte ${file.fileSize} inside Pixel Data (truncated)`);
  if (fragments.length === 0) throw new DicomFileError('no-pixel-data', path, 'Pixel Data holds no fragments');
  if (info.numberOfFrames === 1) return dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, element, 0, fragments.length);
  if (element.basicOffsetTable?.length) return dicomParser.readEncapsulatedImageFrame(dataSet, element, 0);
  if (fragments.length === info.numberOfFrames) return dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, element, 0, 1);
  return dicomParser.readEncapsulatedImageFrame(dataSet, element, 0, dicomParser.createJPEGBasicOffsetTable(dataSet, element));
}

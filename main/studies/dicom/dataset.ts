// Bytes → dicom-parser DataSet, for every layout Pleura meets: Part 10 files with preamble and file meta group,
// a meta group without the preamble, and raw data sets with neither (old archives, the malformed sample), in
// implicit or explicit VR, little or big endian, or deflated. dicom-parser's own parseDicom only handles the
// first layout, so this uses its element readers and does the framing here.
import dicomParser, { type ByteArrayParser, type DataSet, type Element } from 'dicom-parser';
import { constants, inflateRawSync } from 'node:zlib';
import { DicomFileError } from './errors';
import { EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN, transferSyntax, type TransferSyntax } from './transfer-syntax';

export const PIXEL_DATA = 'x7fe00010';

export interface ParsedFile {
  dataSet: DataSet;
  syntax: TransferSyntax;
  hasPreamble: boolean;
  hasFileMeta: boolean;
  /** Values of the file meta group (strings only: they are little endian whatever the data set is). */
  meta: { sopClassUid?: string; sopInstanceUid?: string };
  pixelData: Element | undefined;
  /** Size of the whole file (the parsed bytes may be only its start). */
  fileSize: number;
}

export interface ParseOptions {
  /** Stop at Pixel Data: only the header is wanted. */
  headerOnly: boolean;
  /** Size of the whole file when `bytes` is only its start (header reading); defaults to bytes.length. */
  fileSize?: number;
}

/** Thrown when `bytes` is a prefix of the file that ends before the header does: read more and try again. */
export class NeedMoreBytes extends Error {}

const DataSetClass = (dicomParser as unknown as { DataSet: new (p: ByteArrayParser, b: Uint8Array, e: Record<string, Element>) => DataSet })
  .DataSet;
const le = dicomParser.littleEndianByteArrayParser;
const VRS = new Set('AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '));

export function parseFile(bytes: Uint8Array, path: string, options: ParseOptions): ParsedFile {
  const fileSize = options.fileSize ?? bytes.length;
  const partial = bytes.length < fileSize;
  const hasPreamble = bytes.length >= 132 && latin1(bytes, 128, 4) === 'DICM';
  const metaStart = hasPreamble ? 132 : 0;
  const hasFileMeta = bytes.length >= metaStart + 6 && le.readUint16(bytes, metaStart) === 0x0002 && isVr(bytes, metaStart + 4);
  if (!hasPreamble && !hasFileMeta && sniffRawDataSet(bytes, 0, fileSize) === undefined) {
    if (partial && bytes.length < 8) throw new NeedMoreBytes();
    throw new DicomFileError('not-dicom', path, 'not a DICOM file: no "DICM" marker at byte 128 and no DICOM data set at the start');
  }

  const metaElements = hasFileMeta ? readMetaGroup(bytes, metaStart, path, partial) : { elements: {}, end: metaStart };
  const meta = new DataSetClass(le, bytes, metaElements.elements);
  const declaredSyntax = meta.string('x00020010')?.replace(/\0/g, '').trim();
  const dataSetStart = metaElements.end;
  let syntaxUid = declaredSyntax;
  if (!syntaxUid) {
    const sniffed = sniffRawDataSet(bytes, dataSetStart, fileSize);
    if (sniffed === undefined) {
      if (partial) throw new NeedMoreBytes();
      throw new DicomFileError('not-dicom', path, `no transfer syntax in the file meta group and no recognisable data set at byte ${dataSetStart}`);
    }
    syntaxUid = sniffed;
  }
  const syntax = transferSyntax(syntaxUid);

  let array = bytes;
  if (syntax.deflated) array = inflateDataSet(bytes, dataSetStart, partial, path);
  const parser = syntax.bigEndian ? dicomParser.bigEndianByteArrayParser : le;
  const dataSet = new DataSetClass(parser, array, {});
  dataSet.warnings = [];
  const stream = new dicomParser.ByteStream(parser, array, dataSetStart);
  const parseOptions = options.headerOnly ? { untilTag: PIXEL_DATA } : undefined;
  // A data set read to the end of a prefix may look complete when it is not: only a full file can say "truncated".
  const fullSize = syntax.deflated ? array.length : fileSize;
  try {
    if (syntax.explicitVr) dicomParser.parseDicomDataSetExplicit(dataSet, stream, array.length, parseOptions);
    else dicomParser.parseDicomDataSetImplicit(dataSet, stream, array.length, parseOptions);
  } catch (error) {
    if (partial) throw new NeedMoreBytes();
    throw parseFailure(error, dataSet, array.length, path);
  }
  const pixelData = dataSet.elements[PIXEL_DATA];
  if (!pixelData && partial) throw new NeedMoreBytes();
  // (A deflated prefix cannot tell how long the inflated file is.)
  if (!(partial && syntax.deflated)) checkElementsFit(dataSet, fullSize, path);
  return {
    dataSet,
    syntax,
    hasPreamble,
    hasFileMeta,
    meta: { sopClassUid: meta.string('x00020002'), sopInstanceUid: meta.string('x00020003') },
    pixelData,
    fileSize: fullSize,
  };
}

function readMetaGroup(bytes: Uint8Array, start: number, path: string, partial: boolean) {
  const stream = new dicomParser.ByteStream(le, bytes, start);
  const elements: Record<string, Element> = {};
  try {
    while (stream.position + 6 <= bytes.length && le.readUint16(bytes, stream.position) === 0x0002) {
      const element = dicomParser.readDicomElementExplicit(stream, []);
      elements[element.tag] = element;
    }
  } catch (error) {
    if (partial) throw new NeedMoreBytes();
    throw new DicomFileError('truncated', path, `file ends at byte ${bytes.length} inside the file meta group (truncated)`);
  }
  if (stream.position > bytes.length) {
    if (partial) throw new NeedMoreBytes();
    throw new DicomFileError('truncated', path, `file ends at byte ${bytes.length} inside the file meta group (truncated)`);
  }
  return { elements, end: stream.position };
}

/**
 * Whether a raw data set (no meta group) starts at `offset`, and in which VR: the first tag must be a low, even
 * group (data sets start with group 0000, 0008 or similar), then either an explicit VR or an implicit length that
 * fits in the file. Random files rarely pass both tests.
 */
function sniffRawDataSet(bytes: Uint8Array, offset: number, fileSize: number): string | undefined {
  if (offset + 8 > bytes.length) return undefined;
  const group = le.readUint16(bytes, offset);
  if (group % 2 !== 0 || group > 0x0028) return undefined;
  if (isVr(bytes, offset + 4)) return EXPLICIT_VR_LITTLE_ENDIAN;
  const length = le.readUint32(bytes, offset + 4);
  return length <= fileSize - offset - 8 ? IMPLICIT_VR_LITTLE_ENDIAN : undefined;
}

function isVr(bytes: Uint8Array, offset: number): boolean {
  return offset + 2 <= bytes.length && VRS.has(latin1(bytes, offset, 2));
}

function latin1(bytes: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

/** The meta group as it is, followed by the inflated data set, so element offsets stay valid in one array. */
function inflateDataSet(bytes: Uint8Array, start: number, partial: boolean, path: string): Uint8Array {
  let inflated: Buffer;
  try {
    // A prefix of a deflate stream inflates as far as it goes with a sync flush instead of failing.
    inflated = inflateRawSync(bytes.subarray(start), partial ? { finishFlush: constants.Z_SYNC_FLUSH } : {});
  } catch (error) {
    const message = (error as Error).message;
    const code = /unexpected end/i.test(message) ? 'truncated' : 'decode-failed';
    throw new DicomFileError(code, path, `the deflated data set cannot be inflated (${message})`);
  }
  const array = new Uint8Array(start + inflated.length);
  array.set(bytes.subarray(0, start));
  array.set(inflated, start);
  return array;
}

function parseFailure(error: unknown, dataSet: DataSet, size: number, path: string): DicomFileError {
  const message = String((error as { exception?: unknown })?.exception ?? (error as Error)?.message ?? error);
  if (/past end|overrun|eof|end of buffer/i.test(message)) {
    return new DicomFileError('truncated', path, `file ends at byte ${size} ${whereItEnds(dataSet, size)} (truncated)`);
  }
  return new DicomFileError('decode-failed', path, `the data set cannot be parsed: ${message}`);
}

/** Every element (Pixel Data included, when it has a defined length) must end inside the file. */
function checkElementsFit(dataSet: DataSet, size: number, path: string): void {
  for (const element of Object.values(dataSet.elements)) {
    if (element.hadUndefinedLength) continue;
    if (element.dataOffset + element.length > size) {
      throw new DicomFileError('truncated', path, `file ends at byte ${size} inside ${tagName(element.tag)} (truncated)`);
    }
  }
}

/** The parser fails either inside the last element it read (its value runs past the end) or just after it. */
function whereItEnds(dataSet: DataSet, size: number): string {
  const elements = Object.values(dataSet.elements);
  const last = elements[elements.length - 1];
  if (!last) return 'inside the data set';
  const inside = last.hadUndefinedLength || last.dataOffset + last.length > size;
  return `${inside ? 'inside' : 'after'} ${tagName(last.tag)}`;
}

export function tagName(tag: string): string {
  const g = tag.slice(1, 5).toUpperCase();
  const e = tag.slice(5, 9).toUpperCase();
  return tag === PIXEL_DATA ? 'Pixel Data' : `(${g},${e})`;
}

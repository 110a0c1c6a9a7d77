// Bytes → dicom-parser DataSet, for every layout Pleura meets: Part 10 files with preamble and file meta group,
// a meta group without the preamble, and raw data sets with neither (old archives, the malformed sample), in
// implicit or explicit VR, little or big endian, or deflated. dicom-parser's own parseDicom only handles the
// first layout, so this uses its element readers and does the framing here.
import dicomParser, { type ByteArrayParser, type DataSet, type Element } from 'dicom-parser';
import { constants, inflateRawSync } from 'node:zlib';
import { DicomFileError } from './errors';
import { pastLimit, READ_LIMITS, type SizeLimit } from './limits';
import { EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN, transferSyntax, type TransferSyntax } from './transfer-syntax';

export const PIXEL_DATA = 'x7fe00010';

export interface ParsedFile {
  /** Every element up to and including Pixel Data's own header: reading stops there (frame.ts reads the pixels). */
  dataSet: DataSet;
  syntax: TransferSyntax;
  hasPreamble: boolean;
  hasFileMeta: boolean;
  /** Values of the file meta group (strings only: they are little endian whatever the data set is). */
  meta: { sopClassUid?: string; sopInstanceUid?: string };
  pixelData: Element | undefined;
}

export interface ParseOptions {
  /** Size of the whole file when `bytes` is only its start (header reading); defaults to bytes.length. */
  fileSize?: number;
  /** Deflated data sets only: inflate all of it (to read pixels), refusing more than this; otherwise only the header. */
  inflate?: SizeLimit;
  /** How far a deflated header may inflate before it is refused. */
  maxHeaderBytes?: number;
}

/** Thrown when `bytes` is a prefix of the file that ends before the header does: read more and try again. */
export class NeedMoreBytes extends Error {}

const DataSetClass = (dicomParser as unknown as { DataSet: new (p: ByteArrayParser, b: Uint8Array, e: Record<string, Element>) => DataSet })
  .DataSet;
const le = dicomParser.littleEndianByteArrayParser;
const VRS = new Set('AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '));
/** The deflated input inflated first to find a deflated header; each further try takes four times as much. */
const FIRST_DEFLATED_INPUT = 16 * 1024;

export function parseFile(bytes: Uint8Array, path: string, options: ParseOptions = {}): ParsedFile {
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
  const framing = {
    syntax: transferSyntax(syntaxUid),
    hasPreamble,
    hasFileMeta,
    meta: { sopClassUid: meta.string('x00020002'), sopInstanceUid: meta.string('x00020003') },
  };
  const parse = (array: Uint8Array, arrayPartial: boolean, size: number) => ({ ...framing, ...parseDataSet(array, dataSetStart, framing.syntax, arrayPartial, size, path) });
  if (!framing.syntax.deflated) return parse(bytes, partial, fileSize);
  // (A prefix of a deflated file cannot tell how long the inflated data set is: only a whole one can be checked.)
  if (options.inflate) {
    const array = inflateDataSet(bytes, dataSetStart, partial, options.inflate, path);
    return parse(array, partial, partial ? Infinity : array.length);
  }
  // The header alone: inflate growing prefixes of the stream, so a bomb after the header is never inflated.
  const headerLimit = { bytes: options.maxHeaderBytes ?? READ_LIMITS.headerBytes, why: `Pleura's cap on a header, and the header has not ended` };
  for (let input = FIRST_DEFLATED_INPUT; ; input *= 4) {
    const end = Math.min(bytes.length, dataSetStart + input);
    const whole = end === bytes.length && !partial;
    const array = inflateDataSet(bytes.subarray(0, end), dataSetStart, !whole, headerLimit, path);
    try {
      return parse(array, !whole, whole ? array.length : Infinity);
    } catch (error) {
      if (!(error instanceof NeedMoreBytes) || end === bytes.length) throw error;
    }
  }
}

/** The data set from `start` up to Pixel Data's header, checked to fit in a file of `size` bytes. */
function parseDataSet(array: Uint8Array, start: number, syntax: TransferSyntax, partial: boolean, size: number, path: string) {
  const parser = syntax.bigEndian ? dicomParser.bigEndianByteArrayParser : le;
  const dataSet = new DataSetClass(parser, array, {});
  dataSet.warnings = [];
  const stream = new dicomParser.ByteStream(parser, array, start);
  const untilPixelData = { untilTag: PIXEL_DATA };
  try {
    if (syntax.explicitVr) dicomParser.parseDicomDataSetExplicit(dataSet, stream, array.length, untilPixelData);
    else dicomParser.parseDicomDataSetImplicit(dataSet, stream, array.length, untilPixelData);
  } catch (error) {
    // dicom-parser recurses once per nesting level: more bytes would only nest deeper.
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      throw new DicomFileError('decode-failed', path, 'the data set nests sequences too deeply to be read (thousands of levels: a damaged or hostile file)');
    }
    // A data set read to the end of a prefix may look complete when it is not: only a full file can say "truncated".
    if (partial) throw new NeedMoreBytes();
    throw parseFailure(error, dataSet, array.length, path);
  }
  const pixelData = dataSet.elements[PIXEL_DATA];
  if (!pixelData && partial) throw new NeedMoreBytes();
  if (size !== Infinity) checkElementsFit(dataSet, size, path);
  return { dataSet, pixelData };
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
 * fits in the file, and the next tag, where the bytes hold it, must be higher (data sets are sorted). Random files
 * rarely pass; zero-filled ones (a preallocated or sparse file) fail the last test, as (0000,0000) repeats.
 */
function sniffRawDataSet(bytes: Uint8Array, offset: number, fileSize: number): string | undefined {
  if (offset + 8 > bytes.length) return undefined;
  const group = le.readUint16(bytes, offset);
  if (group % 2 !== 0 || group > 0x0028) return undefined;
  if (isVr(bytes, offset + 4)) return EXPLICIT_VR_LITTLE_ENDIAN;
  const length = le.readUint32(bytes, offset + 4);
  if (length > fileSize - offset - 8) return undefined;
  const next = offset + 8 + length;
  if (next + 4 <= bytes.length && tagNumber(bytes, next) <= tagNumber(bytes, offset)) return undefined;
  return IMPLICIT_VR_LITTLE_ENDIAN;
}

function tagNumber(bytes: Uint8Array, offset: number): number {
  return le.readUint16(bytes, offset) * 0x10000 + le.readUint16(bytes, offset + 2);
}

function isVr(bytes: Uint8Array, offset: number): boolean {
  return offset + 2 <= bytes.length && VRS.has(latin1(bytes, offset, 2));
}

function latin1(bytes: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

/**
 * The meta group as it is, followed by the inflated data set, so element offsets stay valid in one array. A prefix
 * of a deflate stream inflates as far as it goes; more than `limit` inflated bytes is refused as it is reached.
 */
function inflateDataSet(bytes: Uint8Array, start: number, partial: boolean, limit: SizeLimit, path: string): Uint8Array {
  let inflated: Buffer;
  try {
    inflated = inflateRawSync(bytes.subarray(start), { finishFlush: partial ? constants.Z_SYNC_FLUSH : constants.Z_FINISH, maxOutputLength: limit.bytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DicomFileError('too-large', path, pastLimit('the deflated data set inflates further', limit));
    }
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

// How much of a file Pleura reads, inflates and hands to a codec, whatever its header claims. A hostile or corrupt
// size (a sparse 4 GB file, a deflate bomb, a 2 GB JPEG fragment) gets 'too-large' before anything that big is
// allocated, so one file can neither exhaust memory nor stall a scan.
import type { InstanceInfo } from '../../api/contract';

export interface ReadLimits {
  /** Bytes before Pixel Data: the file prefix read for a header, and the inflated header of a deflated file. */
  headerBytes: number;
  /** A whole inflated data set, whatever its header declares. */
  inflatedBytes: number;
  /** Frame 0's bytes as stored, native or compressed, whatever its header declares. */
  frameBytes: number;
  /** Items (fragments, Basic Offset Table) in encapsulated Pixel Data. */
  pixelItems: number;
}

const MiB = 2 ** 20;

export const READ_LIMITS: ReadLimits = {
  // Headers are kilobytes; the biggest legitimate ones carry overlays (16 planes of a 4096² image: 32 MiB), icon
  // images or vendor blobs of a few MiB. The scanner reads 8 files at once, so 8 x 64 MiB bounds a scan's reads.
  headerBytes: 64 * MiB,
  // A 16384² 16-bit frame (the largest MAX_DIMENSION allows) is 512 MiB; chest films are 10 to 40 MiB.
  inflatedBytes: 512 * MiB,
  frameBytes: 512 * MiB,
  // One item per frame or per fragment: cine loops have thousands, fragmenting writers split a frame in a few
  // thousand; each item costs a read and a record, so this also bounds the time a walk of the items takes.
  pixelItems: 65536,
};

/** Codecs shrink a frame or, on noise, grow it up to about twice (lossless JPEG of 8-bit noise: 17 bits a sample). */
const COMPRESSED_PER_RAW = 4;
/** Codec headers (JPEG tables and markers, J2K boxes) on tiny images. */
const COMPRESSED_SLACK = MiB;
/** Elements after Pixel Data (trailing padding, signatures) in an inflated data set. */
const INFLATED_SLACK = MiB;

/** A bound and the words that explain it, for the message when a file passes it. */
export interface SizeLimit {
  bytes: number;
  why: string;
}

/** "…, past the N-byte limit: why" */
export function pastLimit(what: string, limit: SizeLimit): string {
  return `${what}, past the ${limit.bytes}-byte limit: ${limit.why}`;
}

/** Bytes of one uncompressed frame as the header describes it. */
export function frameSize(info: FrameShape): number {
  return Math.ceil((info.rows * info.columns * info.samplesPerPixel * info.bitsAllocated) / 8);
}

/** "Rows 8 x Columns 8 x 1 sample(s) x 16 bits" */
export function describeFrame(info: FrameShape): string {
  return `Rows ${info.rows} x Columns ${info.columns} x ${info.samplesPerPixel} sample(s) x ${info.bitsAllocated} bits`;
}

type FrameShape = Pick<InstanceInfo, 'rows' | 'columns' | 'samplesPerPixel' | 'bitsAllocated'>;

/** Frame 0's compressed bytes: a multiple of its uncompressed size, within the absolute cap. */
export function compressedFrameLimit(info: FrameShape, limits: ReadLimits): SizeLimit {
  const raw = frameSize(info);
  const relative = COMPRESSED_PER_RAW * raw + COMPRESSED_SLACK;
  const declared = `${COMPRESSED_PER_RAW} x the ${raw} bytes of ${describeFrame(info)}, plus ${COMPRESSED_SLACK} for the codec's headers`;
  if (relative > limits.frameBytes) return { bytes: limits.frameBytes, why: `Pleura's cap on a frame (the header allows ${declared})` };
  return { bytes: relative, why: declared };
}

/**
 * A deflated data set: the header before Pixel Data (`headerBytes`, known from inflating it first), every frame the
 * header declares, and slack for the elements after them, within the absolute cap.
 */
export function inflatedLimit(info: FrameShape & Pick<InstanceInfo, 'numberOfFrames'>, headerBytes: number, limits: ReadLimits): SizeLimit {
  const pixels = frameSize(info) * info.numberOfFrames;
  const relative = headerBytes + pixels + INFLATED_SLACK;
  const declared = `${headerBytes} bytes before Pixel Data, ${pixels} bytes of pixels (${info.numberOfFrames} frame(s) of ${describeFrame(info)}) and ${INFLATED_SLACK} bytes of slack`;
  if (relative > limits.inflatedBytes) return { bytes: limits.inflatedBytes, why: `Pleura's cap on an inflated data set (its header declares ${declared})` };
  return { bytes: relative, why: `its header declares ${declared}` };
}

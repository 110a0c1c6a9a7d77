// Native (uncompressed) pixel bytes → samples as integers, whatever the byte order and bit depth.
import type { FrameSamples, SampleArray } from './codecs/codecs';

export function nativeSamples(
  bytes: Uint8Array,
  d: { rows: number; columns: number; samplesPerPixel: number; bitsAllocated: number; planarConfiguration: number },
  bigEndian: boolean,
): FrameSamples {
  const count = d.rows * d.columns * d.samplesPerPixel;
  return { values: sampleArray(bytes, d.bitsAllocated, count, bigEndian), samplesPerPixel: d.samplesPerPixel, planar: d.planarConfiguration === 1 };
}

function sampleArray(bytes: Uint8Array, bitsAllocated: number, count: number, bigEndian: boolean): SampleArray {
  if (bitsAllocated === 8) return bytes.subarray(0, count);
  if (bitsAllocated === 1) return unpackBits(bytes, count);
  const size = bitsAllocated / 8;
  const Type = size === 2 ? Uint16Array : Uint32Array;
  // A view needs an aligned offset and the machine's byte order (little endian everywhere Pleura runs).
  if (!bigEndian && bytes.byteOffset % size === 0) return new Type(bytes.buffer as ArrayBuffer, bytes.byteOffset, count);
  // A real copy (Buffer#slice would share memory): the caller's bytes stay as they are.
  const copy = new Uint8Array(bytes.subarray(0, count * size));
  if (bigEndian) swapBytes(copy, size);
  return new Type(copy.buffer, 0, count);
}

function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}

/** 1-bit data: the first pixel is the least significant bit of the first byte (PS3.5 D.2). */
function unpackBits(bytes: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = (bytes[i >> 3] >> (i & 7)) & 1;
  return out;
}

// How call results cross HTTP: JSON for the structure, raw bytes for typed arrays (a decoded image is up to
// ~16 MB of Float32 pixels; as JSON numbers it would be ~10x larger and slow to parse). Pure: runs in Node and in
// the browser.
//
// Layout: [u32 LE header length][header JSON, UTF-8][zero padding to 8][array 0 bytes][padding to 8][array 1]…
// The header is { value, arrays: [{ type, byteOffset, length }] }; in `value` each typed array is replaced by
// { [ARRAY_REF]: index }. Offsets are 8-aligned so the decoder can return views on the received buffer without
// copying. Byte order is the platform's: both ends of the loopback transport are the same machine.

const ARRAY_REF = '\u0000pleura-typed-array';
const ALIGN = 8;
export const WIRE_CONTENT_TYPE = 'application/vnd.pleura.wire';

const arrayTypes = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;
type ArrayTypeName = keyof typeof arrayTypes;
type AnyTypedArray = InstanceType<(typeof arrayTypes)[ArrayTypeName]>;

interface ArrayEntry {
  type: ArrayTypeName;
  byteOffset: number;
  length: number;
}

export interface EncodedWire {
  /** Written one after another they form the message; the arrays' own bytes are chunks, never copied. */
  chunks: Uint8Array[];
  byteLength: number;
}

export function encodeWire(value: unknown): EncodedWire {
  const found: AnyTypedArray[] = [];
  const json = JSON.stringify(value, function replacer(this: Record<string, unknown>, key, replaced) {
    // The holder's own value, before toJSON: Node Buffers would otherwise arrive as { type, data: [...] }.
    const original = this[key];
    if (!isTypedArray(original)) return replaced;
    found.push(original);
    return { [ARRAY_REF]: found.length - 1 };
  });
  let byteOffset = 0;
  const arrays: ArrayEntry[] = found.map((array) => {
    const entry = { type: typedArrayName(array), byteOffset, length: array.length };
    byteOffset = alignUp(byteOffset + array.byteLength);
    return entry;
  });
  // The header is assembled around the one JSON.stringify pass over the value, which may be big (a worklist).
  const header = `{"arrays":${JSON.stringify(arrays)},"value":${json ?? 'null'}}`;
  return assemble(new TextEncoder().encode(header), found, byteOffset);
}

function assemble(headerBytes: Uint8Array, arrays: AnyTypedArray[], arraysLength: number): EncodedWire {
  const headerLength = alignUp(4 + headerBytes.byteLength);
  const head = new Uint8Array(headerLength);
  new DataView(head.buffer).setUint32(0, headerBytes.byteLength, true);
  head.set(headerBytes, 4);
  const chunks: Uint8Array[] = [head];
  for (const array of arrays) {
    chunks.push(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
    const padding = alignUp(array.byteLength) - array.byteLength;
    if (padding > 0) chunks.push(new Uint8Array(padding));
  }
  return { chunks, byteLength: headerLength + arraysLength };
}

/** The message as one buffer (for tests and for transports that cannot write chunks). */
export function concatWire({ chunks, byteLength }: EncodedWire): Uint8Array {
  const out = new Uint8Array(byteLength);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

export class WireFormatError extends Error {
  override name = 'WireFormatError';
}

export function decodeWire(message: ArrayBuffer | Uint8Array): unknown {
  const bytes = message instanceof Uint8Array ? message : new Uint8Array(message);
  if (bytes.byteLength < 4) throw new WireFormatError(`wire message too short (${bytes.byteLength} bytes)`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  if (4 + headerLength > bytes.byteLength) throw new WireFormatError(`wire header length ${headerLength} exceeds the message`);
  let header: { value: unknown; arrays: ArrayEntry[] };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength)));
  } catch (error) {
    throw new WireFormatError(`wire header is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(header?.arrays)) throw new WireFormatError('wire header has no array table');
  const dataStart = alignUp(4 + headerLength);
  const arrays = header.arrays.map((entry) => readArray(bytes, dataStart, entry));
  return arrays.length === 0 ? header.value : restoreArrays(header.value, arrays);
}

function readArray(bytes: Uint8Array, dataStart: number, entry: ArrayEntry): AnyTypedArray {
  const Type = Object.hasOwn(arrayTypes, entry?.type) ? arrayTypes[entry.type] : undefined;
  if (!Type) throw new WireFormatError(`unknown typed array type ${JSON.stringify(entry?.type)}`);
  const { byteOffset, length } = entry;
  const byteLength = length * Type.BYTES_PER_ELEMENT;
  const start = bytes.byteOffset + dataStart + byteOffset;
  if (!Number.isSafeInteger(byteOffset) || !Number.isSafeInteger(length) || byteOffset < 0 || length < 0 || dataStart + byteOffset + byteLength > bytes.byteLength) {
    throw new WireFormatError(`typed array (${entry.type}, offset ${byteOffset}, length ${length}) lies outside the message`);
  }
  // A view when the bytes are aligned for the type (always, for a buffer fetched whole); a copy otherwise.
  if (start % Type.BYTES_PER_ELEMENT === 0) return new Type(bytes.buffer as ArrayBuffer, start, length);
  return new Type(bytes.buffer.slice(start, start + byteLength) as ArrayBuffer);
}

function restoreArrays(value: unknown, arrays: AnyTypedArray[]): unknown {
  if (Array.isArray(value)) return value.map((item) => restoreArrays(item, arrays));
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if (Object.hasOwn(record, ARRAY_REF)) {
    const array = arrays[record[ARRAY_REF] as number];
    if (!array) throw new WireFormatError(`reference to missing typed array ${String(record[ARRAY_REF])}`);
    return array;
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) out[key] = restoreArrays(item, arrays);
  return out;
}

function isTypedArray(value: unknown): value is AnyTypedArray {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

function typedArrayName(array: AnyTypedArray): ArrayTypeName {
  // The intrinsic name, not the constructor: a Node Buffer is a Uint8Array.
  return array[Symbol.toStringTag] as ArrayTypeName;
}

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

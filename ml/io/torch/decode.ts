import {
  BYTES_PER_ELEMENT, contiguousStrides, elementCount, isFloatDtype, StateDictReadError,
  type Dtype, type StateTensor,
} from './tensor';

/** Raw storage bytes plus how to read them: PyTorch storages and safetensors buffers are both this. */
export interface RawStorage {
  bytes: Uint8Array;
  dtype: Dtype;
  littleEndian: boolean;
}

export interface TensorView {
  /** In elements, as PyTorch counts storage offsets and strides. */
  offset: number;
  shape: number[];
  stride: number[];
}

/** Decodes a whole storage into the array type its dtype maps to (see tensor.ts). */
export function decodeStorage({ bytes, dtype, littleEndian }: RawStorage): Float32Array | BigInt64Array {
  const size = BYTES_PER_ELEMENT[dtype];
  if (bytes.byteLength % size !== 0) {
    throw new StateDictReadError(`a ${dtype} storage of ${bytes.byteLength} bytes is not a whole number of elements`);
  }
  const count = bytes.byteLength / size;
  if (dtype === 'float32' && littleEndian) {
    // One copy into a fresh, aligned buffer (the common case for every real checkpoint). Not bytes.slice():
    // on a Node Buffer that is a view, not a copy.
    return new Float32Array(new Uint8Array(bytes).buffer);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = elementReader(view, dtype, littleEndian);
  const out = isFloatDtype(dtype) ? new Float32Array(count) : new BigInt64Array(count);
  for (let i = 0; i < count; i++) (out as Float32Array)[i] = read(i * size) as number;
  return out;
}

function elementReader(view: DataView, dtype: Dtype, le: boolean): (at: number) => number | bigint {
  switch (dtype) {
    case 'float32': return (at) => view.getFloat32(at, le);
    case 'float64': return (at) => view.getFloat64(at, le);
    case 'float16': return (at) => halfToFloat(view.getUint16(at, le));
    // bfloat16 is the top half of a float32.
    case 'bfloat16': return (at) => bfloatToFloat(view.getUint16(at, le));
    case 'int64': return (at) => view.getBigInt64(at, le);
    case 'int32': return (at) => BigInt(view.getInt32(at, le));
    case 'int16': return (at) => BigInt(view.getInt16(at, le));
    case 'int8': return (at) => BigInt(view.getInt8(at));
    case 'uint8': return (at) => BigInt(view.getUint8(at));
    case 'bool': return (at) => (view.getUint8(at) ? 1n : 0n);
  }
}

const bfloatScratch = new DataView(new ArrayBuffer(4));
function bfloatToFloat(bits: number): number {
  bfloatScratch.setUint32(0, bits << 16);
  return bfloatScratch.getFloat32(0);
}

function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * The tensor a (offset, shape, stride) view selects from a decoded storage; non-contiguous views (a transposed
 * weight saved as is) are gathered into row-major order. A view covering the whole storage returns it unchanged.
 */
export function viewTensor(
  storage: Float32Array | BigInt64Array,
  dtype: Dtype,
  { offset, shape, stride }: TensorView,
  name: string,
): StateTensor {
  if (stride.length !== shape.length || shape.some((d) => !Number.isInteger(d) || d < 0)
      || stride.some((s) => !Number.isInteger(s) || s < 0) || !Number.isInteger(offset) || offset < 0) {
    throw new StateDictReadError(
      `${name}: invalid view (offset ${offset}, shape [${shape}], stride [${stride}])`);
  }
  const count = elementCount(shape);
  const last = count === 0 ? offset : offset + shape.reduce((sum, d, i) => sum + (d - 1) * stride[i], 0);
  if (count > 0 && last >= storage.length) {
    throw new StateDictReadError(
      `${name}: shape [${shape}] with stride [${stride}] at offset ${offset} reaches element ${last}, `
      + `but its storage holds ${storage.length} elements (truncated or corrupt file)`);
  }
  const contiguous = isContiguous(shape, stride);
  let data: Float32Array | BigInt64Array;
  if (contiguous && offset === 0 && count === storage.length) data = storage;
  else if (contiguous) data = storage.slice(offset, offset + count);
  else data = gather(storage, offset, shape, stride, count);
  return { dtype, shape: [...shape], data } as StateTensor;
}

function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  const expected = contiguousStrides(shape);
  // Strides of size-1 dimensions never matter.
  return shape.every((d, i) => d <= 1 || stride[i] === expected[i]);
}

function gather<T extends Float32Array | BigInt64Array>(
  src: T, offset: number, shape: number[], stride: number[], count: number,
): T {
  const out = new (src.constructor as new (n: number) => T)(count);
  const index = new Array<number>(shape.length).fill(0);
  let at = offset;
  for (let i = 0; i < count; i++) {
    out[i] = src[at];
    // Odometer over the multi-index, last dimension fastest.
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) {
        at += stride[d];
        break;
      }
      at -= (shape[d] - 1) * stride[d];
      index[d] = 0;
    }
  }
  return out;
}

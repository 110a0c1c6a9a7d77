import { decodeStorage, viewTensor } from './torch/decode';
import { stripDataParallelPrefix } from './torch/state-dict';
import {
  BYTES_PER_ELEMENT, contiguousStrides, elementCount, StateDictReadError, type Dtype, type StateDict,
} from './torch/tensor';
import { MAX_SAFETENSORS_HEADER_BYTES } from './weights-limits';

const DTYPES: Record<string, Dtype> = {
  F32: 'float32', F16: 'float16', BF16: 'bfloat16', F64: 'float64',
  I64: 'int64', I32: 'int32', I16: 'int16', I8: 'int8', U8: 'uint8', BOOL: 'bool',
};

/**
 * Reads a .safetensors file: an 8-byte little-endian header length, a JSON header mapping each name to
 * {dtype, shape, data_offsets: [begin, end]} (offsets relative to the byte buffer after the header, tensors
 * row-major little-endian), and an optional free-form `__metadata__`, which is ignored. Same output as
 * readTorchStateDict, including the removal of a DataParallel `module.` prefix.
 */
export function readSafetensors(bytes: Uint8Array, maxHeaderBytes = MAX_SAFETENSORS_HEADER_BYTES): StateDict {
  if (bytes.byteLength < 8) throw new StateDictReadError('not a safetensors file: shorter than its 8-byte header length');
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  // Parsed JSON takes several times its text: the header is bounded before it is decoded.
  if (headerLength > BigInt(maxHeaderBytes)) {
    throw new StateDictReadError(`not a safetensors file: the header claims ${headerLength} bytes, more than the ${maxHeaderBytes} safetensors allows`);
  }
  if (headerLength > BigInt(bytes.byteLength - 8)) {
    throw new StateDictReadError(
      `truncated or not a safetensors file: the header claims ${headerLength} bytes, the file has ${bytes.byteLength - 8} after the length`);
  }
  const bufferStart = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, bufferStart)));
  } catch (error) {
    throw new StateDictReadError(`not a safetensors file: its header is not JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new StateDictReadError('not a safetensors file: its header is not a JSON object');
  }
  const buffer = bytes.subarray(bufferStart);
  const out: StateDict = new Map();
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype: code, shape, data_offsets: offsets } = (info ?? {}) as Record<string, unknown>;
    const dtype = DTYPES[String(code)];
    if (!dtype) {
      throw new StateDictReadError(`${name}: unsupported safetensors dtype ${String(code)} (supported: ${Object.keys(DTYPES).join(', ')})`);
    }
    if (!isIntArray(shape) || !isIntArray(offsets) || offsets.length !== 2) {
      throw new StateDictReadError(`${name}: the header entry lacks an integer shape or data_offsets pair`);
    }
    const [begin, end] = offsets;
    const expected = elementCount(shape) * BYTES_PER_ELEMENT[dtype];
    if (end - begin !== expected || begin < 0 || end > buffer.byteLength) {
      throw new StateDictReadError(
        `${name}: data_offsets [${begin}, ${end}] do not hold the ${expected} bytes of a ${dtype} [${shape}] tensor `
        + `inside the ${buffer.byteLength}-byte buffer (truncated or corrupt file)`);
    }
    const decoded = decodeStorage({ bytes: buffer.subarray(begin, end), dtype, littleEndian: true });
    out.set(name, viewTensor(decoded, dtype, { offset: 0, shape, stride: contiguousStrides(shape) }, name));
  }
  return stripDataParallelPrefix(out);
}

function isIntArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => Number.isInteger(v) && v >= 0);
}

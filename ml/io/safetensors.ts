import { decodeStorage, viewTensor } from './torch/decode';
import { stripDataParallelPrefix } from './torch/state-dict';
import {
  BYTES_PER_ELEMENT, contiguousStrides, elementCount, StateDictReadError, type Dtype, type StateDict,
} from './torch/tensor';
import { bytesOf, type SavedTensor } from './torch/write-state-dict';
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

const SAVED_CODES = { float32: 'F32', int64: 'I64' } as const;

/**
 * Writes a .safetensors file as the reference implementation does: the header names every tensor with its dtype,
 * shape and data_offsets (back to back, in the given order), plus `__metadata__` ({format: 'pt'} marks PyTorch
 * tensors), padded with spaces so the data starts on an 8-byte boundary. The format has no shared storage (its
 * readers refuse overlapping offsets), so a storage behind several names is written once per name.
 */
export function writeSafetensors(tensors: readonly SavedTensor[], metadata: Record<string, string> = { format: 'pt' }): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const { name, shape, storage } of tensors) {
    if (Object.hasOwn(header, name)) throw new Error(`safetensors: ${name} is written twice`);
    if (elementCount(shape) !== storage.data.length) {
      throw new Error(`${name}: shape [${shape}] holds ${elementCount(shape)} elements, its storage ${storage.data.length}`);
    }
    header[name] = { dtype: SAVED_CODES[storage.dtype], shape, data_offsets: [offset, offset + storage.data.byteLength] };
    offset += storage.data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = json.length + ((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + headerLength + offset).fill(0x20, 8 + json.length, 8 + headerLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  let at = 8 + headerLength;
  for (const tensor of tensors) {
    out.set(bytesOf(tensor.storage), at);
    at += tensor.storage.data.byteLength;
  }
  return out;
}

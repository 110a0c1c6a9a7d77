// NumPy .npy format version 1.0, written by hand (images, probability maps): a magic string, a Python-dict header
// padded so the data starts on a 64-byte boundary, then the raw little-endian values in C (row-major) order.
import { writeFile } from 'node:fs/promises';

export type NpyArray = Float32Array | Float64Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

const DESCR = new Map<string, string>([
  ['Float32Array', '<f4'],
  ['Float64Array', '<f8'],
  ['Uint8Array', '|u1'],
  ['Int16Array', '<i2'],
  ['Uint16Array', '<u2'],
  ['Int32Array', '<i4'],
  ['Uint32Array', '<u4'],
]);
const MAGIC = [0x93, ...Buffer.from('NUMPY'), 1, 0];

export function encodeNpy(data: NpyArray, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`shape (${shape.join(', ')}) holds ${count} values, the array ${data.length}`);
  const descr = DESCR.get(data.constructor.name)!;
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  const unpadded = MAGIC.length + 2 + dict.length + 1;
  const header = dict + ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(MAGIC.length + 2 + header.length + data.byteLength);
  out.set(MAGIC);
  new DataView(out.buffer).setUint16(MAGIC.length, header.length, true);
  out.set(Buffer.from(header, 'latin1'), MAGIC.length + 2);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), MAGIC.length + 2 + header.length);
  return out;
}

export async function writeNpy(path: string, data: NpyArray, shape: readonly number[]): Promise<void> {
  await writeFile(path, encodeNpy(data, shape));
}

/** Reads back what encodeNpy writes (little-endian, C order, version 1.0): for tests and tools. */
export function decodeNpy(bytes: Uint8Array): { descr: string; shape: number[]; data: Uint8Array } {
  if (!MAGIC.every((b, i) => bytes[i] === b)) throw new Error('not a NumPy .npy version 1.0 file');
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint16(MAGIC.length, true);
  const header = Buffer.from(bytes.subarray(MAGIC.length + 2, MAGIC.length + 2 + headerLength)).toString('latin1');
  const descr = /'descr': '([^']+)'/.exec(header)?.[1] ?? '';
  const shape = (/'shape': \(([^)]*)\)/.exec(header)?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  // A copy, so `data.buffer` holds exactly the values (file reads are Buffers that share a larger pool).
  return { descr, shape, data: new Uint8Array(bytes.subarray(MAGIC.length + 2 + headerLength)) };
}

import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../../../ml/io/torch';
import { writeSafetensors, type SafetensorsFixture } from '../../fixtures/safetensors-writer';

const tensors = new Map<string, SafetensorsFixture>([
  ['enc.weight', { dtype: 'float32', shape: [2, 3], values: [0, 1, 2, 3, 4, -5.5] }],
  ['enc.half', { dtype: 'float16', shape: [3], values: [1, -0.5, 2048] }],
  ['enc.bf', { dtype: 'bfloat16', shape: [1], values: [-3] }],
  ['enc.double', { dtype: 'float64', shape: [1, 1], values: [0.125] }],
  ['bn.num_batches_tracked', { dtype: 'int64', shape: [], values: [123456789012n] }],
  ['mask', { dtype: 'bool', shape: [2], values: [1, 0] }],
]);

describe('readSafetensors', () => {
  it('round-trips names, dtypes, shapes and values, ignoring __metadata__', () => {
    const sd = readSafetensors(writeSafetensors(tensors, { format: 'pt' }));
    expect([...sd.keys()]).toEqual([...tensors.keys()]);
    for (const [name, { dtype, shape, values }] of tensors) {
      expect(sd.get(name)).toMatchObject({ dtype, shape });
      expect(Array.from(sd.get(name)!.data as ArrayLike<unknown>)).toEqual(values.map((v) => (typeof v === 'bigint' || dtype === 'bool' ? BigInt(v) : v)));
    }
  });

  it('removes a DataParallel module. prefix', () => {
    const sd = readSafetensors(writeSafetensors(new Map([['module.w', tensors.get('enc.bf')!]])));
    expect([...sd.keys()]).toEqual(['w']);
  });

  it('explains truncated files, bad headers, unknown dtypes and inconsistent offsets', () => {
    const bytes = writeSafetensors(tensors);
    expect(() => readSafetensors(bytes.subarray(0, bytes.length - 1))).toThrow(/mask: data_offsets \[\d+, \d+\] do not hold the 2 bytes of a bool \[2\] tensor inside the \d+-byte buffer \(truncated or corrupt file\)/);
    expect(() => readSafetensors(bytes.subarray(0, 40))).toThrow(/truncated or not a safetensors file: the header claims \d+ bytes/);
    expect(() => readSafetensors(bytes.subarray(0, 5))).toThrow(/shorter than its 8-byte header length/);
    const header = (json: string): Uint8Array => {
      const text = new TextEncoder().encode(json);
      const out = new Uint8Array(8 + text.length + 8);
      new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
      out.set(text, 8);
      return out;
    };
    expect(() => readSafetensors(header('{"a": '))).toThrow(/its header is not JSON/);
    expect(() => readSafetensors(header('{"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}'))).toThrow(/a: unsupported safetensors dtype F8_E4M3/);
    expect(() => readSafetensors(header('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}'))).toThrow(/a: data_offsets \[0, 8\] do not hold the 12 bytes of a float32 \[3\] tensor/);
  });
});

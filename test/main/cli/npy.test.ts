import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy } from '../../../main/cli/npy';

describe('npy', () => {
  it('writes a version 1.0 header that starts the data on a 64-byte boundary', () => {
    const data = Float32Array.of(1.5, -2, 3, 4, 5, 6);
    const bytes = encodeNpy(data, [2, 3]);
    expect(Buffer.from(bytes.subarray(0, 8))).toEqual(Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0]));
    const headerLength = bytes[8] | (bytes[9] << 8);
    expect((10 + headerLength) % 64).toBe(0);
    expect(bytes[10 + headerLength - 1]).toBe(0x0a);
    const read = decodeNpy(bytes);
    expect([read.descr, read.shape]).toEqual(['<f4', [2, 3]]);
    expect(new Float32Array(read.data.buffer)).toEqual(data);
  });

  it('names one-dimensional shapes as Python tuples and checks the size', () => {
    expect(decodeNpy(encodeNpy(Uint8Array.of(1, 2, 3), [3]))).toMatchObject({ descr: '|u1', shape: [3] });
    expect(Buffer.from(encodeNpy(Uint8Array.of(1), [1])).toString('latin1')).toContain("'shape': (1,)");
    expect(() => encodeNpy(Float32Array.of(1, 2), [3])).toThrow(/holds 3 values/);
  });
});

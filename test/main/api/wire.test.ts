import { describe, expect, it } from 'vitest';
import { concatWire, decodeWire, encodeWire, WireFormatError } from '../../../main/api/wire';
import { sameBytes, testImage } from '../../fixtures/api/test-services';

const roundTrip = (value: unknown) => decodeWire(concatWire(encodeWire(value)));

describe('wire encoding', () => {
  it('round-trips typed arrays of every kind, nested anywhere, with odd lengths', () => {
    const value = {
      a: new Float32Array([1.5, -2.25, Number.NaN, Infinity]),
      list: [new Uint8Array([1, 2, 3]), { deep: new Int16Array([-3, 7, 9]) }, 'text'],
      f64: new Float64Array([Math.PI]),
      u32: new Uint32Array([4294967295]),
      i8: new Int8Array([-128, 127, 0]),
      clamped: new Uint8ClampedArray([255, 0]),
      big: new BigInt64Array([-(2n ** 63n), 42n]),
      empty: new Float32Array(0),
      nothing: null,
      flag: true,
    };
    const decoded = roundTrip(value) as typeof value;
    expect(decoded).toEqual(value);
    expect(decoded.a).toBeInstanceOf(Float32Array);
    expect(Object.is(decoded.a[2], Number.NaN)).toBe(true);
    expect((decoded.list[1] as { deep: Int16Array }).deep).toBeInstanceOf(Int16Array);
    expect(decoded.big).toBeInstanceOf(BigInt64Array);
  });

  it('sends a Node Buffer as its bytes, a typed array view as its own range only', () => {
    const backing = new Float32Array([0, 1, 2, 3, 4, 5]);
    const decoded = roundTrip({ buffer: Buffer.from('abc'), view: backing.subarray(2, 4) }) as { buffer: Uint8Array; view: Float32Array };
    expect(decoded.buffer).toEqual(new Uint8Array([97, 98, 99]));
    expect(Array.from(decoded.view)).toEqual([2, 3]);
  });

  it('keeps plain values as JSON does', () => {
    expect(roundTrip({ a: [1, 'x', null], b: { c: false }, skipped: undefined })).toEqual({ a: [1, 'x', null], b: { c: false } });
    expect(roundTrip([])).toEqual([]);
    expect(roundTrip(undefined)).toBeNull();
  });

  it('does not copy the arrays when encoding, nor when decoding an aligned buffer', () => {
    const image = testImage(64);
    const encoded = encodeWire(image);
    expect(encoded.chunks.some((chunk) => chunk.buffer === image.pixels.buffer)).toBe(true);
    const message = concatWire(encoded);
    const decoded = decodeWire(message.buffer as ArrayBuffer) as typeof image;
    expect(decoded.pixels.buffer).toBe(message.buffer);
    expect(decoded.pixels).toEqual(image.pixels);
  });

  it('decodes a message that starts at an unaligned offset', () => {
    const message = concatWire(encodeWire({ pixels: new Float64Array([1.25, -7]) }));
    const shifted = new Uint8Array(message.byteLength + 1);
    shifted.set(message, 1);
    expect(decodeWire(shifted.subarray(1))).toEqual({ pixels: new Float64Array([1.25, -7]) });
  });

  it('carries a 2048x2048 Float32 image (16 MiB) intact and fast', () => {
    const image = testImage(2048);
    const started = performance.now();
    const encoded = encodeWire(image);
    const decoded = decodeWire(concatWire(encoded)) as typeof image;
    const ms = performance.now() - started;
    expect(encoded.byteLength).toBeLessThan(image.pixels.byteLength + 4096);
    expect(sameBytes(decoded.pixels, image.pixels)).toBe(true);
    expect({ ...decoded, pixels: null }).toEqual({ ...image, pixels: null });
    expect(ms).toBeLessThan(1000);
  });

  it.each([
    ['too short', new Uint8Array([1, 0])],
    ['a header longer than the message', new Uint8Array([255, 0, 0, 0, 123])],
    ['a header that is not JSON', withHeader('{nope')],
    ['a header without array table', withHeader('{"value":1}')],
    ['an unknown array type', withHeader('{"arrays":[{"type":"Function","byteOffset":0,"length":1}],"value":null}')],
    ['an array outside the message', withHeader('{"arrays":[{"type":"Float32Array","byteOffset":0,"length":100}],"value":null}')],
    ['a reference to a missing array', withHeader('{"arrays":[{"type":"Uint8Array","byteOffset":0,"length":0}],"value":{"\\u0000pleura-typed-array":1}}')],
  ])('refuses %s', (_what, message) => {
    expect(() => decodeWire(message)).toThrow(WireFormatError);
  });
});

function withHeader(header: string): Uint8Array {
  const bytes = new TextEncoder().encode(header);
  const message = new Uint8Array(4 + bytes.byteLength);
  new DataView(message.buffer).setUint32(0, bytes.byteLength, true);
  message.set(bytes, 4);
  return message;
}

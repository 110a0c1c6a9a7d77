// Encapsulated frame → samples, one small function per codec. Every codec returns its samples as integers in the
// low bits (signed codecs already sign-extended), interleaved when there are several components.
import { Decoder as LosslessJpegDecoder } from 'jpeg-lossless-decoder-js';
import type { PixelEncoding } from '../transfer-syntax';
import { charls, DcmjsContext, dcmjsCodecs, libjpegTurbo, openjpeg } from './wasm';

export type SampleArray = Uint8Array | Uint8ClampedArray | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

export interface FrameSamples {
  values: SampleArray;
  samplesPerPixel: number;
  /** Colour planes one after the other (native data with PlanarConfiguration 1) instead of interleaved. */
  planar: boolean;
}

export interface FrameDescription {
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  samplesPerPixel: number;
  pixelRepresentation: number;
  photometricInterpretation: string;
  planarConfiguration: number;
}

type Codec = (frame: Uint8Array, d: FrameDescription) => Promise<FrameSamples>;

const codecs: Record<Exclude<PixelEncoding, 'native' | 'unsupported'>, Codec> = {
  jpeg: async (frame, d) => (jpegPrecision(frame) > 8 ? decodeWithDcmjs('jpeg', frame, d) : decodeWithWasm(await libjpegTurbo().then((m) => new m.JPEGDecoder()), frame)),
  'jpeg-lossless': async (frame, d) => {
    const bytes = d.bitsAllocated <= 8 ? 1 : 2;
    const decoded = new LosslessJpegDecoder().decode(frame.buffer as ArrayBuffer, frame.byteOffset, frame.length, bytes);
    const values = bytes === 1 ? new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength) : new Uint16Array(decoded.buffer, decoded.byteOffset, decoded.byteLength / 2);
    return { values, samplesPerPixel: d.samplesPerPixel, planar: false };
  },
  'jpeg-ls': async (frame) => decodeWithWasm(await charls().then((m) => new m.JpegLSDecoder()), frame),
  jpeg2000: async (frame) => decodeWithWasm(await openjpeg().then((m) => new m.J2KDecoder()), frame),
  rle: (frame, d) => decodeWithDcmjs('rle', frame, d),
};

export function decodeFrame(encoding: keyof typeof codecs, frame: Uint8Array, description: FrameDescription): Promise<FrameSamples> {
  return codecs[encoding](frame, description);
}

function decodeWithWasm(decoder: WasmFrameDecoder, frame: Uint8Array): FrameSamples {
  try {
    decoder.getEncodedBuffer(frame.length).set(frame);
    decoder.decode();
    const info = decoder.getFrameInfo();
    // The decoded buffer is a view into WASM memory that the next decode overwrites: copy it out.
    const bytes = decoder.getDecodedBuffer().slice();
    const values = info.bitsPerSample <= 8 ? bytes : info.isSigned ? new Int16Array(bytes.buffer) : new Uint16Array(bytes.buffer);
    return { values, samplesPerPixel: info.componentCount, planar: false };
  } finally {
    decoder.delete();
  }
}

async function decodeWithDcmjs(kind: 'jpeg' | 'rle', frame: Uint8Array, d: FrameDescription): Promise<FrameSamples> {
  const codecs = await dcmjsCodecs();
  const context = new DcmjsContext({
    width: d.columns,
    height: d.rows,
    bitsAllocated: d.bitsAllocated,
    bitsStored: d.bitsStored,
    samplesPerPixel: d.samplesPerPixel,
    pixelRepresentation: d.pixelRepresentation,
    planarConfiguration: 0,
    photometricInterpretation: d.photometricInterpretation,
    encodedBuffer: frame,
  });
  const decoded = (kind === 'jpeg' ? codecs.decodeJpeg(context, { convertColorspaceToRgb: true }) : codecs.decodeRle(context)).getDecodedBuffer();
  if (!decoded) throw new Error(`the ${kind === 'jpeg' ? 'JPEG' : 'RLE'} decoder returned no pixels`);
  const values = d.bitsAllocated <= 8 ? decoded : new Uint16Array(decoded.buffer, decoded.byteOffset, decoded.byteLength / 2);
  return { values, samplesPerPixel: d.samplesPerPixel, planar: false };
}

/** Sample precision from the JPEG start-of-frame marker: libjpeg-turbo's 8-bit build cannot decode 12-bit data. */
export function jpegPrecision(frame: Uint8Array): number {
  let i = 2;
  while (i + 4 < frame.length) {
    if (frame[i] !== 0xff) return 8;
    const marker = frame[i + 1];
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return frame[i + 4];
    i += 2 + ((frame[i + 2] << 8) | frame[i + 3]);
  }
  return 8;
}

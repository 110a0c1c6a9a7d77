// JPEG Baseline (process 1) encoding of 8-bit greyscale with libjpeg-turbo's WASM build, the same package whose
// decoder reads SIIM's files; the module starts once per thread.
import { createRequire } from 'node:module';
import libjpegTurboFactory from '@cornerstonejs/codec-libjpeg-turbo-8bit/wasmjs';

const require = createRequire(import.meta.url);
let started: ReturnType<typeof libjpegTurboFactory> | undefined;

/** Baseline, no progression, quality 0..100; `pixels` row-major 8-bit. */
export async function encodeJpegBaseline(pixels: Uint8Array, rows: number, columns: number, quality = 95): Promise<Uint8Array> {
  started ??= libjpegTurboFactory({ locateFile: () => require.resolve('@cornerstonejs/codec-libjpeg-turbo-8bit/wasm'), print: () => {}, printErr: () => {} });
  const codec = await started;
  const encoder = new codec.JPEGEncoder();
  try {
    encoder.getDecodedBuffer({ width: columns, height: rows, bitsPerSample: 8, componentCount: 1, isSigned: false }).set(pixels);
    encoder.setProgressive(false);
    encoder.setQuality(quality);
    encoder.encode();
    return Uint8Array.from(encoder.getEncodedBuffer());
  } finally {
    encoder.delete();
  }
}

// The one decode path: bytes → DecodedImage (frame 0, values after the modality transform).
import { readFile } from 'node:fs/promises';
import type { DecodedImage, InstanceInfo } from '../../api/contract';
import { decodeFrame, type FrameDescription, type FrameSamples } from './codecs/codecs';
import { parseFile, type ParsedFile } from './dataset';
import { DicomFileError } from './errors';
import { firstFrameBytes } from './frame';
import { instanceInfo } from './instance-info';
import { modalityLut, modalityValues } from './modality';
import { nativeSamples } from './native';

export async function decodeFile(path: string): Promise<DecodedImage> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw DicomFileError.from(error, path);
  }
  return decodeBytes(bytes, path);
}

export async function decodeBytes(bytes: Uint8Array, path: string): Promise<DecodedImage> {
  const started = performance.now();
  try {
    const file = parseFile(bytes, path, { headerOnly: false });
    const info = instanceInfo(file, path);
    const description = frameDescription(file, info, path);
    const samples = await frameSamples(file, info, description, path);
    const native = file.syntax.encoding === 'native';
    // Codecs that do not convert colour (native, RLE) leave YBR as it is: its Y plane is the luminance.
    const lumaOnly = info.photometricInterpretation.startsWith('YBR') && (native || file.syntax.encoding === 'rle');
    const pixels = modalityValues(samples, info, modalityLut(file.dataSet, info.pixelRepresentation === 1), native ? info.highBit + 1 - info.bitsStored : 0, lumaOnly);
    const { min, max } = range(pixels);
    return {
      info,
      rows: info.rows,
      columns: info.columns,
      pixels,
      minValue: min,
      maxValue: max,
      window: info.window ?? { center: (min + max) / 2, width: Math.max(max - min, 1) },
      windowSource: info.window ? 'file' : 'full-range',
      invert: info.photometricInterpretation === 'MONOCHROME1',
      decodeMs: performance.now() - started,
    };
  } catch (error) {
    throw DicomFileError.from(error, path);
  }
}

const PHOTOMETRIC = new Set(['MONOCHROME1', 'MONOCHROME2', 'RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_ICT', 'YBR_RCT', 'YBR_PARTIAL_420']);

function frameDescription(file: ParsedFile, info: InstanceInfo, path: string): FrameDescription {
  const photometric = info.photometricInterpretation;
  if (!PHOTOMETRIC.has(photometric) || (photometric.startsWith('MONOCHROME') !== (info.samplesPerPixel === 1))) {
    throw new DicomFileError('decode-failed', path, `PhotometricInterpretation ${photometric} with ${info.samplesPerPixel} sample(s) per pixel is not supported`);
  }
  // Subsampled YBR is only ever a JPEG-internal detail; native or RLE data in it would need upsampling.
  if ((photometric === 'YBR_FULL_422' || photometric === 'YBR_PARTIAL_420') && (file.syntax.encoding === 'native' || file.syntax.encoding === 'rle')) {
    throw new DicomFileError('decode-failed', path, `${photometric} pixel data in ${file.syntax.name} is not supported`);
  }
  return { ...info, planarConfiguration: file.dataSet.uint16('x00280006') ?? 0 };
}

async function frameSamples(file: ParsedFile, info: InstanceInfo, description: FrameDescription, path: string): Promise<FrameSamples> {
  const frame = firstFrameBytes(file, info, path);
  const { encoding, name } = file.syntax;
  if (encoding === 'native') return nativeSamples(frame, description, file.syntax.bigEndian);
  if (encoding === 'unsupported') throw new Error('unreachable: instanceInfo refuses unsupported syntaxes');
  let samples: FrameSamples;
  try {
    samples = await decodeFrame(encoding, frame, description);
  } catch (error) {
    throw new DicomFileError('decode-failed', path, `the ${name} decoder failed: ${codecMessage(error)}`);
  }
  const expected = info.rows * info.columns * info.samplesPerPixel;
  if (samples.values.length < expected || samples.samplesPerPixel !== info.samplesPerPixel) {
    throw new DicomFileError(
      'decode-failed',
      path,
      `the ${name} decoder returned ${samples.values.length} samples in ${samples.samplesPerPixel} component(s); the header describes ${info.rows} x ${info.columns} x ${info.samplesPerPixel}`,
    );
  }
  return samples;
}

/** WASM codecs throw bare numbers (a C++ exception pointer): say that instead of printing the number. */
function codecMessage(error: unknown): string {
  if (typeof error === 'number') return 'the compressed data is corrupt or not in the declared format';
  return (error as Error)?.message ?? String(error);
}

function range(values: Float32Array): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

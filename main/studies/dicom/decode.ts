// The one decode path: bytes → DecodedImage (frame 0, values after the modality transform). Reads the header, then
// frame 0's bytes only (a deflated file: the data set, inflated no further than its header declares).
import { valueRange } from '../../../ml/value-range';
import type { DecodedImage, InstanceInfo } from '../../api/contract';
import { memorySource, withFileSource, type ByteSource } from './byte-source';
import { decodeFrame, type FrameDescription, type FrameSamples } from './codecs/codecs';
import { parseFile, type ParsedFile } from './dataset';
import { DicomFileError } from './errors';
import { readFirstFrame } from './frame';
import { readHeader } from './header';
import { instanceInfo } from './instance-info';
import { inflatedLimit, pastLimit, READ_LIMITS, type ReadLimits } from './limits';
import { modalityLut, modalityValues } from './modality';
import { nativeSamples } from './native';

export async function decodeFile(path: string, limits: ReadLimits = READ_LIMITS): Promise<DecodedImage> {
  return withFileSource(path, (source) => decodeSource(source, path, limits));
}

export async function decodeBytes(bytes: Uint8Array, path: string, limits: ReadLimits = READ_LIMITS): Promise<DecodedImage> {
  return decodeSource(memorySource(bytes), path, limits);
}

export async function decodeSource(source: ByteSource, path: string, limits: ReadLimits): Promise<DecodedImage> {
  const started = performance.now();
  try {
    const header = await readHeader(source, path, limits);
    const info = instanceInfo(header, path);
    const { file, pixels: pixelSource } = header.syntax.deflated ? await inflated(source, header, info, path, limits) : { file: header, pixels: source };
    const description = frameDescription(file, info, path);
    const samples = await frameSamples(await readFirstFrame(pixelSource, file, info, path, limits), file, info, description, path);
    const native = file.syntax.encoding === 'native';
    // Codecs that do not convert colour (native, RLE) leave YBR as it is: its Y plane is the luminance.
    const lumaOnly = info.photometricInterpretation.startsWith('YBR') && (native || file.syntax.encoding === 'rle');
    const pixels = modalityValues(samples, info, modalityLut(file.dataSet, info.pixelRepresentation === 1), native ? info.highBit + 1 - info.bitsStored : 0, lumaOnly);
    const { min, max } = valueRange(pixels);
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

/**
 * A deflated file's data set inflated in memory, where its pixels are. The header (inflated first, on its own)
 * says how large the data set may be; the compressed file cannot be larger than what it inflates to.
 */
async function inflated(source: ByteSource, header: ParsedFile, info: InstanceInfo, path: string, limits: ReadLimits) {
  const limit = inflatedLimit(info, header.pixelData!.dataOffset, limits);
  if (source.size > limit.bytes) throw new DicomFileError('too-large', path, pastLimit(`the deflated file holds ${source.size} bytes`, limit));
  const file = parseFile(await source.read(0, source.size), path, { inflate: limit });
  return { file, pixels: memorySource(file.dataSet.byteArray) };
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

async function frameSamples(frame: Uint8Array, file: ParsedFile, info: InstanceInfo, description: FrameDescription, path: string): Promise<FrameSamples> {
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

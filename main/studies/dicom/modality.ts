// Samples → the values the viewer and the models start from: stored bits extracted (masking, sign extension),
// then the modality transform (Modality LUT or rescale slope/intercept). Colour becomes luminance.
import type { DataSet } from 'dicom-parser';
import type { InstanceInfo } from '../../api/contract';
import type { FrameSamples } from './codecs/codecs';

export interface ModalityLut {
  firstMapped: number;
  data: Float64Array;
}

/** The first item of the Modality LUT Sequence (0028,3000), or null. */
export function modalityLut(ds: DataSet, signed: boolean): ModalityLut | null {
  const item = ds.elements.x00283000?.items?.[0]?.dataSet;
  const data = item?.elements.x00283006;
  if (!item || !data || item.elements.x00283002 === undefined) return null;
  const entries = item.uint16('x00283002', 0) || 65536;
  const firstMapped = (signed ? item.int16('x00283002', 1) : item.uint16('x00283002', 1)) ?? 0;
  const bits = item.uint16('x00283002', 2) ?? 16;
  const values = new Float64Array(entries);
  // 8-bit entries are sometimes packed one per byte, sometimes one per 16-bit word: the length tells which.
  const packedBytes = bits <= 8 && data.length === entries;
  for (let i = 0; i < entries; i++) {
    values[i] = packedBytes ? item.byteArray[data.dataOffset + i] : item.uint16('x00283006', i)!;
  }
  return { firstMapped, data: values };
}

type PixelFormat = Pick<InstanceInfo, 'rows' | 'columns' | 'bitsStored' | 'highBit' | 'pixelRepresentation' | 'rescaleSlope' | 'rescaleIntercept'>;

/**
 * `shift` is how far the stored bits sit above bit 0 (HighBit + 1 − BitsStored for native data; codecs already
 * return them in the low bits).
 */
export function modalityValues(samples: FrameSamples, format: PixelFormat, lut: ModalityLut | null, shift: number, lumaOnly: boolean): Float32Array {
  const count = format.rows * format.columns;
  const out = new Float32Array(count);
  const storedToValue = valueTable(format, lut);
  const stored = storedReader(format, shift, lut, storedToValue);
  const { values, samplesPerPixel, planar } = samples;
  if (samplesPerPixel === 1) {
    for (let i = 0; i < count; i++) out[i] = stored(values[i]);
    return out;
  }
  // Y of YBR data is the luminance already; RGB is weighted as in ITU-R BT.601.
  const step = planar ? 1 : samplesPerPixel;
  const plane = planar ? count : 1;
  for (let i = 0, p = 0; i < count; i++, p += step) {
    const first = stored(values[p]);
    out[i] = lumaOnly ? first : 0.299 * first + 0.587 * stored(values[p + plane]) + 0.114 * stored(values[p + 2 * plane]);
  }
  return out;
}

/** For ≤ 16 stored bits, one table maps every stored bit pattern to its final value (one lookup per pixel). */
function valueTable(format: PixelFormat, lut: ModalityLut | null): Float32Array | null {
  if (format.bitsStored > 16) return null;
  const size = 2 ** format.bitsStored;
  const table = new Float32Array(size);
  for (let pattern = 0; pattern < size; pattern++) table[pattern] = transform(signExtend(pattern, format), format, lut);
  return table;
}

function storedReader(format: PixelFormat, shift: number, lut: ModalityLut | null, table: Float32Array | null): (raw: number) => number {
  if (table) {
    const mask = table.length - 1;
    return (raw) => table[(raw >>> shift) & mask];
  }
  // 17–32 stored bits: rare (RT dose, some CT); computed per pixel without a table.
  const bits = format.bitsStored;
  return (raw) => transform(signExtend(bits === 32 ? raw >>> 0 : (raw >>> shift) % 2 ** bits, format), format, lut);
}

function signExtend(pattern: number, format: PixelFormat): number {
  const range = 2 ** format.bitsStored;
  return format.pixelRepresentation === 1 && pattern >= range / 2 ? pattern - range : pattern;
}

function transform(stored: number, format: PixelFormat, lut: ModalityLut | null): number {
  if (!lut) return stored * format.rescaleSlope + format.rescaleIntercept;
  const index = Math.min(Math.max(stored - lut.firstMapped, 0), lut.data.length - 1);
  return lut.data[index];
}

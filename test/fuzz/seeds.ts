// The files the DICOM fuzz mutates: generated ones (every native layout, a JPEG Baseline phantom, a file with nested
// sequences), so that it runs without ../shared/data, and the real files there when present. Each seed comes with
// the positions of its elements' headers (tag, VR, length field), found by dicom-parser, so mutations can aim at
// them; a seed dicom-parser cannot walk (deflated) has none and is mutated blindly.
import dicomParser, { type DataSet, type Element } from 'dicom-parser';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN } from '../../main/studies/dicom/transfer-syntax';
import { phantomDicom } from '../../main/phantoms/dicom';
import type { EncodeOptions } from '../fixtures/dicom-writer';
import { VARIANT_SOURCE } from '../fixtures/dicom-variants';
import { syntheticDicom } from '../fixtures/synthetic-dicom';
import { hasSharedData, sharedDataDir } from '../support/shared-data';

/** Where an element's header lies: its tag, its VR (explicit files), its length field and its value. */
export interface ElementSite {
  tagOffset: number;
  vrOffset: number | null;
  lengthOffset: number;
  lengthBytes: 2 | 4;
  valueOffset: number;
  length: number;
}

export interface Seed {
  name: string;
  bytes: Uint8Array;
  /** where the data set starts (after the preamble and file meta group) */
  dataSetStart: number;
  explicitVr: boolean;
  littleEndian: boolean;
  sites: ElementSite[];
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

/** The seeds that need no shared data. */
export async function generatedSeeds(): Promise<Seed[]> {
  const layouts: Record<string, EncodeOptions> = {
    'explicit-le': { encoding: 'explicit-le' },
    'explicit-be': { encoding: 'explicit-be' },
    implicit: { encoding: 'implicit-le' },
    deflated: { encoding: 'deflated' },
    'no-preamble': { encoding: 'explicit-le', preamble: false },
    'no-meta': { encoding: 'implicit-le', preamble: false, meta: false },
  };
  const seeds = Object.entries(layouts).map(([name, options]) => seed(`generated/${name}`, syntheticDicom(VARIANT_SOURCE, options)));
  const item = [{ tag: 0x00081150, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.1' }];
  const nested = syntheticDicom({ ...VARIANT_SOURCE, extra: [{ tag: 0x00081140, vr: 'SQ', value: [item, [{ tag: 0x00081140, vr: 'SQ', value: [item, item] }]] }] });
  seeds.push(seed('generated/sequences', nested));
  const plane = { rows: 64, columns: 64, data: Float32Array.from({ length: 64 * 64 }, (_, i) => (i * 7) % 256) };
  const jpeg = await phantomDicom({ image: plane, number: 1, patientId: 'FUZZ', studyUid: '1.2.826.0.1.3680043.10.1516.1', seriesUid: '1.2.826.0.1.3680043.10.1516.1.1', sopInstanceUid: '1.2.826.0.1.3680043.10.1516.1.1.1', seed: 1 });
  seeds.push(seed('generated/jpeg-baseline', jpeg));
  return seeds;
}

/** Every .dcm file under ../shared/data, largest last; none where the folder is absent. */
export function sharedSeeds(): Seed[] {
  if (!hasSharedData) return [];
  const files = readdirSync(sharedDataDir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.dcm'));
  return files
    .map((file) => seed(file, readFileSync(path.join(sharedDataDir, file))))
    .sort((a, b) => a.bytes.length - b.bytes.length);
}

function seed(name: string, bytes: Uint8Array): Seed {
  const part10 = bytes.length > 132 && String.fromCharCode(...bytes.subarray(128, 132)) === 'DICM';
  // A meta group without the preamble: dicom-parser reads it once the preamble is put back (132 bytes further on).
  const metaOnly = !part10 && bytes[0] === 0x02 && bytes[1] === 0x00;
  const input = metaOnly ? Buffer.concat([new Uint8Array(128), Buffer.from('DICM'), bytes]) : bytes;
  const shift = metaOnly ? 132 : 0;
  for (const TransferSyntaxUID of part10 || metaOnly ? [undefined] : [IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN]) {
    let dataSet: DataSet;
    try {
      dataSet = dicomParser.parseDicom(input, TransferSyntaxUID ? { TransferSyntaxUID } : {});
    } catch {
      continue;
    }
    const syntax = dataSet.string('x00020010') ?? TransferSyntaxUID;
    if (syntax === '1.2.840.10008.1.2.1.99') break;
    const explicitVr = syntax !== IMPLICIT_VR_LITTLE_ENDIAN;
    const meta = Object.values(dataSet.elements).filter((element) => element.tag.startsWith('x0002'));
    const metaEnds = meta.map((element) => element.dataOffset + element.length).filter(Number.isFinite);
    const dataSetStart = Math.max(shift, ...metaEnds) - shift;
    const sites = sitesOf(dataSet, explicitVr).map((site) => ({
      ...site,
      tagOffset: site.tagOffset - shift,
      vrOffset: site.vrOffset === null ? null : site.vrOffset - shift,
      lengthOffset: site.lengthOffset - shift,
      valueOffset: site.valueOffset - shift,
    }));
    return { name, bytes, dataSetStart, explicitVr, littleEndian: syntax !== '1.2.840.10008.1.2.2', sites };
  }
  return { name, bytes, dataSetStart: 0, explicitVr: false, littleEndian: true, sites: [] };
}

function* allElements(dataSet: DataSet): Generator<Element> {
  for (const element of Object.values(dataSet.elements)) {
    yield element;
    for (const item of element.items ?? []) if (item.dataSet) yield* allElements(item.dataSet);
  }
}

/** The header positions of every element, those inside sequence items included, and of every pixel data fragment. */
function sitesOf(dataSet: DataSet, explicitVr: boolean): ElementSite[] {
  const sites: ElementSite[] = [];
  for (const element of allElements(dataSet)) {
    if (element.tag.startsWith('x0002')) continue;
    const long = !explicitVr || LONG_VRS.has(element.vr ?? '') || element.hadUndefinedLength;
    const lengthBytes = long ? 4 : 2;
    const lengthOffset = element.dataOffset - lengthBytes;
    const vrOffset = explicitVr ? element.dataOffset - (long ? 8 : 4) : null;
    sites.push({ tagOffset: (vrOffset ?? lengthOffset) - 4, vrOffset, lengthOffset, lengthBytes, valueOffset: element.dataOffset, length: element.length });
    for (const fragment of element.fragments ?? []) {
      sites.push({ tagOffset: fragment.position - 8, vrOffset: null, lengthOffset: fragment.position - 4, lengthBytes: 4, valueOffset: fragment.position, length: fragment.length });
    }
  }
  return sites;
}

import { crc32 } from 'node:zlib';

/**
 * Writes a zip of stored (uncompressed) entries whose data starts on `alignment`-byte boundaries, the layout torch.save
 * uses so that a loader can map storages straight from the file. The padding is an extra field with torch's id "FB"
 * filled with 'Z's. Timestamps are fixed (1980-01-01), so the same entries always give the same bytes. Classic
 * records only: an archive past 4 GiB or 65,535 entries (far beyond any model Pleura holds) is refused, not written
 * half right.
 */
export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

const LOCAL_HEADER = 30;
const CENTRAL_HEADER = 46;
const END_RECORD = 22;
const PADDING_FIELD = 4;
const VERSION = 20;
// bit 11: names are UTF-8
const FLAGS = 0x0800;
const DOS_DATE_1980_01_01 = (1 << 5) | 1;
const U32_LIMIT = 2 ** 32;

export function writeStoredZip(entries: readonly ZipEntry[], alignment = 64): Uint8Array {
  if (entries.length > 0xffff) throw new Error(`zip: ${entries.length} entries need ZIP64, which this writer does not write`);
  const names = entries.map((e) => new TextEncoder().encode(e.name));
  const layout: Array<{ offset: number; padding: number; crc: number }> = [];
  let offset = 0;
  entries.forEach((entry, i) => {
    const unpadded = offset + LOCAL_HEADER + names[i].length + PADDING_FIELD;
    const padding = (alignment - (unpadded % alignment)) % alignment;
    layout.push({ offset, padding, crc: crc32(entry.data) });
    offset = unpadded + padding + entry.data.length;
  });
  const directoryOffset = offset;
  const directorySize = names.reduce((n, name) => n + CENTRAL_HEADER + name.length, 0);
  const total = directoryOffset + directorySize + END_RECORD;
  if (total >= U32_LIMIT) throw new Error(`zip: ${total} bytes need ZIP64, which this writer does not write`);

  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  entries.forEach((entry, i) => {
    const { offset: at, padding, crc } = layout[i];
    const name = names[i];
    const fields = { crc, size: entry.data.length, nameLength: name.length };
    writeCommon(view, at + 4, fields, PADDING_FIELD + padding);
    view.setUint32(at, 0x04034b50, true);
    out.set(name, at + LOCAL_HEADER);
    const extra = at + LOCAL_HEADER + name.length;
    view.setUint16(extra, 0x4246, true); // "FB"
    view.setUint16(extra + 2, padding, true);
    out.fill(0x5a, extra + PADDING_FIELD, extra + PADDING_FIELD + padding); // 'Z'
    out.set(entry.data, extra + PADDING_FIELD + padding);
  });
  let at = directoryOffset;
  entries.forEach((entry, i) => {
    const name = names[i];
    view.setUint32(at, 0x02014b50, true);
    view.setUint16(at + 4, VERSION, true); // made by
    // The central record repeats the local one's fields from "version needed" on, without the padding field.
    writeCommon(view, at + 6, { crc: layout[i].crc, size: entry.data.length, nameLength: name.length }, 0);
    view.setUint32(at + 42, layout[i].offset, true);
    out.set(name, at + CENTRAL_HEADER);
    at += CENTRAL_HEADER + name.length;
  });
  view.setUint32(at, 0x06054b50, true);
  view.setUint16(at + 8, entries.length, true);
  view.setUint16(at + 10, entries.length, true);
  view.setUint32(at + 12, directorySize, true);
  view.setUint32(at + 16, directoryOffset, true);
  return out;
}

/** Version needed … extra field length: the 26 bytes local and central headers share, from `at`. */
function writeCommon(view: DataView, at: number, { crc, size, nameLength }: { crc: number; size: number; nameLength: number }, extraLength: number): void {
  view.setUint16(at, VERSION, true);
  view.setUint16(at + 2, FLAGS, true);
  view.setUint16(at + 4, 0, true); // stored
  view.setUint16(at + 6, 0, true); // time 00:00:00
  view.setUint16(at + 8, DOS_DATE_1980_01_01, true);
  view.setUint32(at + 10, crc, true);
  view.setUint32(at + 14, size, true); // compressed
  view.setUint32(at + 18, size, true);
  view.setUint16(at + 22, nameLength, true);
  view.setUint16(at + 24, extraLength, true);
}

// The items of encapsulated Pixel Data (PS3.5 A.4): the Basic Offset Table, one item per fragment, the sequence
// delimiter. Walked header by header through a ByteSource, so fragments are located without reading them, and a
// walk stops at the item limit, or at the byte limit where all fragments form one frame.
import type { ByteSource } from './byte-source';
import { DicomFileError } from './errors';
import { pastLimit, type SizeLimit } from './limits';

export interface Fragment {
  /** Where the item starts, counted from the first item after the Basic Offset Table (as the table counts). */
  offset: number;
  /** Where its bytes start in the source, and how many there are. */
  position: number;
  length: number;
}

export interface PixelItems {
  /** The Basic Offset Table: the offset of each frame's first fragment; empty when the writer left it empty. */
  offsets: number[];
  fragments: Fragment[];
}

export interface WalkOptions {
  /** Fragments, or Basic Offset Table entries, beyond which the Pixel Data is refused. */
  maxItems: number;
  /** Read the Basic Offset Table's entries (only a multi-frame file needs them). */
  readOffsets: boolean;
  /** Refuse as soon as the fragments together pass this (a single frame: they all belong to it). */
  maxTotal?: SizeLimit;
}

const ITEM = 0xfffee000;
const SEQUENCE_DELIMITER = 0xfffee0dd;
/** Item headers are read in chunks of this size, so many small fragments cost few reads. */
const CHUNK = 64 * 1024;

/** The items of the Pixel Data whose value starts at `start` (just after its own header). */
export async function readPixelItems(source: ByteSource, start: number, path: string, options: WalkOptions): Promise<PixelItems> {
  const headers = chunkedReader(source);
  const cut = () => new DicomFileError('truncated', path, `file ends at byte ${source.size} inside Pixel Data (truncated)`);
  const tooMany = () => new DicomFileError('too-large', path, `Pixel Data holds more than ${options.maxItems} items (Pleura's cap)`);

  const table = await headers.item(start);
  if (!table) throw cut();
  if (table.tag !== ITEM) throw new DicomFileError('decode-failed', path, 'encapsulated Pixel Data does not start with a Basic Offset Table item');
  if (start + 8 + table.length > source.size) throw cut();
  if (options.readOffsets && table.length / 4 > options.maxItems) throw tooMany();
  const offsets = options.readOffsets ? littleEndianUint32s(await source.read(start + 8, table.length)) : [];

  const fragments: Fragment[] = [];
  const first = start + 8 + table.length;
  let total = 0;
  for (let at = first; ;) {
    const item = await headers.item(at);
    if (!item) throw cut();
    if (item.tag === SEQUENCE_DELIMITER) return { offsets, fragments };
    if (item.tag !== ITEM) {
      throw new DicomFileError('truncated', path, `Pixel Data breaks off at byte ${at}, where an item or the sequence delimiter belongs (truncated or corrupt)`);
    }
    if (at + 8 + item.length > source.size) throw cut();
    if (fragments.length === options.maxItems) throw tooMany();
    fragments.push({ offset: at - first, position: at + 8, length: item.length });
    total += item.length;
    if (options.maxTotal && total > options.maxTotal.bytes) {
      throw new DicomFileError('too-large', path, pastLimit(`frame 0's compressed data reaches ${total} bytes`, options.maxTotal));
    }
    at += 8 + item.length;
  }
}

/** Item headers (tag and 32-bit length, little endian as encapsulation always is) through a chunk of the source. */
function chunkedReader(source: ByteSource) {
  let chunk: Uint8Array = new Uint8Array(0);
  let chunkStart = 0;
  return {
    async item(position: number): Promise<{ tag: number; length: number } | undefined> {
      if (position < chunkStart || position + 8 > chunkStart + chunk.length) {
        chunk = await source.read(position, CHUNK);
        chunkStart = position;
      }
      if (position + 8 > chunkStart + chunk.length) return undefined;
      const view = new DataView(chunk.buffer, chunk.byteOffset + position - chunkStart, 8);
      return { tag: view.getUint16(0, true) * 0x10000 + view.getUint16(2, true), length: view.getUint32(4, true) };
    },
  };
}

function littleEndianUint32s(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: Math.floor(bytes.byteLength / 4) }, (_, i) => view.getUint32(i * 4, true));
}

import { crc32, inflateRawSync } from 'node:zlib';
import { ZIP_LIMITS, type ZipLimits } from '../weights-limits';
import { StateDictReadError } from './tensor';

/**
 * A read-only view of a zip archive held in memory. Entries are located from the central directory (ZIP64 aware,
 * as PyTorch always writes ZIP64 end records) and extracted on demand: stored entries are sub-arrays without a
 * copy, deflated ones are inflated; both are CRC-checked so a damaged file fails here rather than as odd weights.
 * The sizes the directory declares are checked against `limits` before anything is inflated, and an entry is never
 * inflated past its declared size: a zip bomb is refused, not expanded.
 */
export interface ZipArchive {
  /** Entry names in central-directory order. */
  names: string[];
  has(name: string): boolean;
  read(name: string): Uint8Array;
}

interface Entry {
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;

export function openZip(bytes: Uint8Array, limits: ZipLimits = ZIP_LIMITS): ZipArchive {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEndOfCentralDirectory(view);
  let count = view.getUint16(eocd + 10, true);
  let directorySize = view.getUint32(eocd + 12, true);
  let directoryOffset = view.getUint32(eocd + 16, true);
  const locator = eocd - 20;
  if (locator >= 0 && view.getUint32(locator, true) === SIG_ZIP64_LOCATOR) {
    const record = readU64(view, locator + 8, 'ZIP64 end record offset');
    if (record + 56 > bytes.byteLength || view.getUint32(record, true) !== SIG_ZIP64_EOCD) {
      throw truncated('the ZIP64 end of central directory record is missing');
    }
    count = readU64(view, record + 32, 'entry count');
    directorySize = readU64(view, record + 40, 'central directory size');
    directoryOffset = readU64(view, record + 48, 'central directory offset');
  }
  if (directoryOffset + directorySize > eocd) {
    throw truncated(`the central directory (${directorySize} bytes at ${directoryOffset}) lies outside the file`);
  }

  const entries = new Map<string, Entry>();
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > eocd || view.getUint32(at, true) !== SIG_CENTRAL) {
      throw truncated(`central directory entry ${i} of ${count} is damaged`);
    }
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    const entry: Entry = {
      flags: view.getUint16(at + 8, true),
      method: view.getUint16(at + 10, true),
      crc: view.getUint32(at + 16, true),
      compressedSize: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      localHeaderOffset: view.getUint32(at + 42, true),
    };
    applyZip64Extra(view, at + 46 + nameLength, extraLength, entry);
    checkDeclaredSize(name, entry, limits);
    entries.set(name, entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  const total = [...entries.values()].reduce((sum, entry) => sum + entry.size, 0);
  if (total > limits.totalBytes) {
    throw new StateDictReadError(`the zip's entries declare ${total} bytes together, more than the ${limits.totalBytes} bytes Pleura reads from weights`);
  }

  return {
    names: [...entries.keys()],
    has: (name) => entries.has(name),
    read(name) {
      const entry = entries.get(name);
      if (!entry) throw new StateDictReadError(`the archive has no entry ${name}`);
      return extract(bytes, view, name, entry);
    },
  };
}

function findEndOfCentralDirectory(view: DataView): number {
  // The end record is 22 bytes plus a comment of at most 64 KiB.
  const stop = Math.max(0, view.byteLength - 22 - U16_MAX);
  for (let at = view.byteLength - 22; at >= stop; at--) {
    if (view.getUint32(at, true) === SIG_EOCD) return at;
  }
  if (view.byteLength >= 4 && view.getUint32(0, true) === SIG_LOCAL) {
    throw truncated('the end of the zip (its central directory) is missing');
  }
  throw new StateDictReadError('not a zip archive');
}

/** ZIP64 "extended information" (0x0001) holds, in this order, the 64-bit fields whose 32-bit slot is saturated. */
function applyZip64Extra(view: DataView, start: number, length: number, entry: Entry): void {
  for (let at = start; at + 4 <= start + length;) {
    const id = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    if (id === 0x0001) {
      let field = at + 4;
      for (const key of ['size', 'compressedSize', 'localHeaderOffset'] as const) {
        if (entry[key] === U32_MAX && field + 8 <= at + 4 + size) {
          entry[key] = readU64(view, field, key);
          field += 8;
        }
      }
    }
    at += 4 + size;
  }
}

function checkDeclaredSize(name: string, entry: Entry, limits: ZipLimits): void {
  if (entry.size > limits.entryBytes) {
    throw new StateDictReadError(`zip entry ${name} declares ${entry.size} bytes, more than the ${limits.entryBytes} bytes Pleura reads from weights`);
  }
  if (entry.method === 8 && entry.size >= limits.ratioFrom && entry.size > entry.compressedSize * limits.ratio) {
    throw new StateDictReadError(
      `zip entry ${name} declares ${entry.size} bytes from ${entry.compressedSize} compressed bytes, more than ${limits.ratio} to 1: a zip bomb, not weights`);
  }
}

function extract(bytes: Uint8Array, view: DataView, name: string, entry: Entry): Uint8Array {
  if (entry.flags & 1) throw new StateDictReadError(`zip entry ${name} is encrypted`);
  const header = entry.localHeaderOffset;
  if (header + 30 > bytes.byteLength || view.getUint32(header, true) !== SIG_LOCAL) {
    throw truncated(`the local header of ${name} is missing`);
  }
  const start = header + 30 + view.getUint16(header + 26, true) + view.getUint16(header + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.byteLength) throw truncated(`${name} ends at byte ${end}, past the end of the file`);
  const raw = bytes.subarray(start, end);
  let data: Uint8Array;
  if (entry.method === 0) data = raw;
  else if (entry.method === 8) {
    try {
      // (zlib takes no limit under 1 byte: an empty entry that inflates to one fails the size check below.)
      data = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new StateDictReadError(`zip entry ${name} inflates past the ${entry.size} bytes its directory declares`);
      }
      throw new StateDictReadError(`zip entry ${name} does not inflate: ${(error as Error).message}`);
    }
  } else {
    throw new StateDictReadError(`zip entry ${name} uses compression method ${entry.method}; only stored and deflated entries are supported`);
  }
  if (data.byteLength !== entry.size) {
    throw new StateDictReadError(`zip entry ${name} holds ${data.byteLength} bytes, its directory says ${entry.size}`);
  }
  if (crc32(data) !== entry.crc) throw new StateDictReadError(`zip entry ${name} is corrupt (CRC-32 mismatch)`);
  return data;
}

function readU64(view: DataView, at: number, what: string): number {
  if (at < 0 || at + 8 > view.byteLength) throw truncated(`the ${what} lies outside the file`);
  const value = view.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new StateDictReadError(`zip ${what} ${value} is implausibly large`);
  return Number(value);
}

function truncated(detail: string): StateDictReadError {
  return new StateDictReadError(`truncated or corrupt zip: ${detail}`);
}

// Mutations of DICOM seeds, each drawn from a seeded generator and described by a recipe, so that case k of a run
// can be made again from (run seed, k) alone: truncations, byte flips, corrupted length fields, swapped VRs, deep
// and wide sequences, swapped transfer syntaxes, deflate re-encoding (corrupted, cut short, or a bomb), spliced
// chunks and plain noise.
import { constants, createDeflateRaw, deflateRawSync } from 'node:zlib';
import { Rng } from '../../ml/random';
import { fileMeta, TRANSFER_SYNTAX } from '../fixtures/dicom-writer';
import type { ElementSite, Seed } from './seeds';

export interface Mutant {
  seed: string;
  bytes: Uint8Array;
  /** what was done, in order */
  recipe: string[];
}

type Mutator = (rng: Rng, seed: Seed, context: MutationContext) => { bytes: Uint8Array; recipe: string };

export interface MutationContext {
  /** the generated explicit little-endian seed: the carrier for deep sequences */
  carrier: Seed;
  /** a deflated data set that inflates to hundreds of megabytes */
  bomb: Uint8Array;
}

/** Case `index` of run `runSeed`: a seed (half generated, half real when there are real ones) and 1 to 3 mutations. */
export function mutant(runSeed: number, index: number, generated: Seed[], shared: Seed[], context: MutationContext): Mutant {
  const rng = new Rng(Math.imul(runSeed ^ 0x5bd1e995, 0x01000193) ^ Math.imul(index + 1, 0x9e3779b1));
  const pool = shared.length && rng.chance(0.5) ? shared : generated;
  const seed = pool[rng.int(pool.length)];
  const names = Object.keys(mutators);
  const first = mutators[names[rng.int(names.length)]](rng, seed, context);
  let bytes = first.bytes;
  const recipe = [first.recipe];
  // Later mutations are blind ones: the seed's element sites no longer hold after the first.
  while (recipe.length < 3 && rng.chance(0.3)) {
    const next = (rng.chance(0.5) ? flipBytes : truncate)(rng, { ...seed, bytes, sites: [] });
    bytes = next.bytes;
    recipe.push(next.recipe);
  }
  return { seed: seed.name, bytes, recipe };
}

const INTERESTING_LENGTHS = (site: ElementSite, fileSize: number) => [
  0, 1, 2, 3, site.length + 1, site.length * 2, 0xfffe, 0xffff, 0xfffffffe, 0xffffffff, 0x7fffffff, 0x80000000,
  fileSize - site.valueOffset, fileSize - site.valueOffset + 2,
];
const VRS = ['OB', 'OW', 'SQ', 'UN', 'UT', 'US', 'UL', 'FD', 'AE', 'PN', 'XX', '\0\0', 'ob'];
const SYNTAXES = [
  ...Object.values(TRANSFER_SYNTAX),
  '1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51', '1.2.840.10008.1.2.4.57', '1.2.840.10008.1.2.4.70', '1.2.840.10008.1.2.4.80',
  '1.2.840.10008.1.2.4.81', '1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.91', '1.2.840.10008.1.2.5', '1.2.840.10008.1.2.4.100',
  '1.2.840.10008.1.2.4.95', '1.2.840.10008.1.2.4.999', '', '1.2', 'not a uid', '9'.repeat(64),
];

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)];
}

function copy(bytes: Uint8Array): Uint8Array {
  return Uint8Array.from(bytes);
}

function truncate(rng: Rng, seed: Seed): { bytes: Uint8Array; recipe: string } {
  const site = seed.sites.length && rng.chance(0.5) ? pick(rng, seed.sites) : undefined;
  const at = site ? Math.min(seed.bytes.length, site.tagOffset + rng.int(site.valueOffset - site.tagOffset + Math.min(site.length, 64) + 1)) : rng.int(seed.bytes.length + 1);
  return { bytes: seed.bytes.slice(0, at), recipe: `truncate at ${at} of ${seed.bytes.length}` };
}

function flipBytes(rng: Rng, seed: Seed): { bytes: Uint8Array; recipe: string } {
  const bytes = copy(seed.bytes);
  if (bytes.length === 0) return { bytes, recipe: 'flip nothing (empty)' };
  // Half the flips land in the header, where the parser decides everything.
  const header = Math.min(bytes.length, Math.max(...seed.sites.map((site) => site.tagOffset), 4096));
  const flips: string[] = [];
  for (let n = 1 + rng.int(8); n > 0; n--) {
    const at = rng.chance(0.5) ? rng.int(header) : rng.int(bytes.length);
    const value = rng.chance(0.5) ? bytes[at] ^ (1 << rng.int(8)) : pick(rng, [0x00, 0xff, 0x7f, 0x80, rng.int(256)]);
    flips.push(`${at}:${bytes[at]}→${value}`);
    bytes[at] = value;
  }
  return { bytes, recipe: `flip ${flips.join(' ')}` };
}

function lengthField(rng: Rng, seed: Seed): { bytes: Uint8Array; recipe: string } {
  if (!seed.sites.length) return flipBytes(rng, seed);
  const site = pick(rng, seed.sites);
  const bytes = copy(seed.bytes);
  const view = new DataView(bytes.buffer);
  const wanted = rng.chance(0.2) ? rng.int(2 ** 32) : pick(rng, INTERESTING_LENGTHS(site, bytes.length));
  const value = site.lengthBytes === 2 ? wanted & 0xffff : wanted >>> 0;
  if (site.lengthBytes === 2) view.setUint16(site.lengthOffset, value, seed.littleEndian);
  else view.setUint32(site.lengthOffset, value, seed.littleEndian);
  return { bytes, recipe: `length of the element at ${site.tagOffset}: ${site.length} → ${value}` };
}

function vrSwap(rng: Rng, seed: Seed): { bytes: Uint8Array; recipe: string } {
  const sites = seed.sites.filter((site) => site.vrOffset !== null);
  if (!sites.length) return flipBytes(rng, seed);
  const site = pick(rng, sites);
  const vr = pick(rng, VRS);
  const bytes = copy(seed.bytes);
  const old = String.fromCharCode(bytes[site.vrOffset!], bytes[site.vrOffset! + 1]);
  bytes.set(Buffer.from(vr, 'latin1'), site.vrOffset!);
  return { bytes, recipe: `VR of the element at ${site.tagOffset}: ${old} → ${JSON.stringify(vr)}` };
}

/** Deep or wide sequences (explicit little endian), spliced in before the carrier's Pixel Data. */
function sequences(rng: Rng, _seed: Seed, { carrier }: MutationContext): { bytes: Uint8Array; recipe: string } {
  const style = pick(rng, ['undefined-length', 'defined-length', 'unterminated', 'wide'] as const);
  const size = pick(rng, [1, 2, 16, 256, 4096, 30_000]);
  const nested = style === 'wide' ? wideSequence(size) : deepSequence(size, style);
  const pixelData = Math.max(...carrier.sites.map((site) => site.tagOffset));
  const bytes = Buffer.concat([carrier.bytes.subarray(0, pixelData), nested, carrier.bytes.subarray(pixelData)]);
  return { bytes, recipe: `sequence ${style} ${style === 'wide' ? 'items' : 'depth'}=${size} (${nested.length} bytes)` };
}

const REFERENCED_IMAGE_SEQUENCE = [0x08, 0x00, 0x40, 0x11];
const leaf = Buffer.from([0x08, 0x00, 0x50, 0x11, 0x55, 0x49, 0x06, 0x00, ...Buffer.from('1.2.3\0')]);

function header(tag: number[], length: number): Buffer {
  const head = Buffer.alloc(tag.length === 4 ? 8 : 12);
  head.set(tag);
  head.writeUInt32LE(length >>> 0, head.length - 4);
  return head;
}

function sequenceHeader(length: number): Buffer {
  return header([...REFERENCED_IMAGE_SEQUENCE, 0x53, 0x51, 0, 0], length);
}

const itemHeader = (length: number) => header([0xfe, 0xff, 0x00, 0xe0], length);
const itemEnd = header([0xfe, 0xff, 0x0d, 0xe0], 0);
const sequenceEnd = header([0xfe, 0xff, 0xdd, 0xe0], 0);

/** A Referenced Image Sequence `depth` levels deep, as explicit little-endian bytes. */
export function deepSequence(depth: number, style: 'undefined-length' | 'defined-length' | 'unterminated'): Uint8Array {
  const opening: Buffer[] = [];
  const closing: Buffer[] = [];
  // Defined lengths are known inside out: each level adds its sequence and item headers around the one within.
  let inner = leaf.length;
  const lengths: number[] = [];
  for (let d = 0; d < depth; d++) {
    lengths.push(inner);
    inner += 20;
  }
  for (let d = depth - 1; d >= 0; d--) {
    if (style === 'defined-length') opening.push(sequenceHeader(lengths[d] + 8), itemHeader(lengths[d]));
    else opening.push(sequenceHeader(0xffffffff), itemHeader(0xffffffff));
    if (style === 'undefined-length') closing.push(itemEnd, sequenceEnd);
  }
  return Buffer.concat([...opening, leaf, ...closing]);
}

function wideSequence(items: number): Uint8Array {
  const item = Buffer.concat([itemHeader(leaf.length), leaf]);
  return Buffer.concat([sequenceHeader(0xffffffff), ...Array.from({ length: items }, () => item), sequenceEnd]);
}

const SOP_CLASS = '1.2.840.10008.5.1.4.1.1.1';

function transferSyntaxSwap(rng: Rng, seed: Seed): { bytes: Uint8Array; recipe: string } {
  const syntax = pick(rng, SYNTAXES);
  const meta = fileMeta(SOP_CLASS, '1.2.826.0.1.3680043.10.1516.9', syntax);
  const bytes = Buffer.concat([new Uint8Array(128), Buffer.from('DICM'), meta, seed.bytes.subarray(seed.dataSetStart)]);
  return { bytes, recipe: `transfer syntax → ${JSON.stringify(syntax)}` };
}

/** The data set deflated under a Deflated Explicit VR Little Endian meta group, then maybe damaged. */
function deflate(rng: Rng, seed: Seed, { bomb }: MutationContext): { bytes: Uint8Array; recipe: string } {
  const damage = pick(rng, ['none', 'flip', 'cut', 'bomb'] as const);
  let body = damage === 'bomb' ? bomb : deflateRawSync(seed.bytes.subarray(seed.dataSetStart));
  let detail = '';
  if (damage === 'flip' && body.length) {
    body = copy(body);
    const at = rng.int(body.length);
    body[at] ^= 1 << rng.int(8);
    detail = ` at ${at}`;
  } else if (damage === 'cut') {
    const at = rng.int(body.length + 1);
    body = body.subarray(0, at);
    detail = ` at ${at}`;
  }
  const meta = fileMeta(SOP_CLASS, '1.2.826.0.1.3680043.10.1516.9', TRANSFER_SYNTAX.deflated);
  return { bytes: Buffer.concat([new Uint8Array(128), Buffer.from('DICM'), meta, body]), recipe: `deflate, damage ${damage}${detail}` };
}

function splice(rng: Rng, seed: Seed): { bytes: Uint8Array; recipe: string } {
  const { bytes } = seed;
  const at = rng.int(bytes.length + 1);
  const length = 1 + rng.int(rng.chance(0.5) ? 8 : 4096);
  const kind = pick(rng, ['insert', 'delete', 'duplicate'] as const);
  if (kind === 'insert') {
    const chunk = Uint8Array.from({ length }, () => rng.int(256));
    return { bytes: Buffer.concat([bytes.subarray(0, at), chunk, bytes.subarray(at)]), recipe: `insert ${length} random bytes at ${at}` };
  }
  if (kind === 'delete') return { bytes: Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + length)]), recipe: `delete ${length} bytes at ${at}` };
  const from = rng.int(bytes.length + 1);
  return { bytes: Buffer.concat([bytes.subarray(0, at), bytes.subarray(from, from + length), bytes.subarray(at)]), recipe: `copy ${length} bytes from ${from} to ${at}` };
}

/** Random bytes, sometimes with the DICM marker or a meta group start, for the sniffing code. */
function noise(rng: Rng): { bytes: Uint8Array; recipe: string } {
  const bytes = Uint8Array.from({ length: rng.int(2048) }, () => rng.int(256));
  const marker = pick(rng, ['none', 'DICM', 'meta'] as const);
  if (marker === 'DICM' && bytes.length >= 132) bytes.set(Buffer.from('DICM'), 128);
  if (marker === 'meta' && bytes.length >= 8) bytes.set([0x02, 0x00, 0x10, 0x00, 0x55, 0x49]);
  return { bytes, recipe: `${bytes.length} random bytes, marker ${marker}` };
}

const mutators: Record<string, Mutator> = { truncate, flipBytes, lengthField, vrSwap, sequences, transferSyntaxSwap, deflate, splice, noise };

/**
 * A deflated data set whose Pixel Data (declared 48 x 40 x 16 bits) inflates to `bytes` zeros: about a thousandth
 * of that compressed. Streamed, so making it never holds the inflated size.
 */
export async function deflateBomb(carrier: Seed, bytes: number): Promise<Uint8Array> {
  const pixelData = Math.max(...carrier.sites.map((site) => site.tagOffset));
  const head = Buffer.concat([carrier.bytes.subarray(carrier.dataSetStart, pixelData), header([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x57, 0, 0], bytes)]);
  const deflater = createDeflateRaw({ level: constants.Z_BEST_COMPRESSION });
  const chunks: Buffer[] = [];
  deflater.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise((resolve, reject) => deflater.on('end', resolve).on('error', reject));
  deflater.write(head);
  const zeros = Buffer.alloc(1 << 20);
  for (let left = bytes; left > 0; left -= zeros.length) {
    if (!deflater.write(left >= zeros.length ? zeros : zeros.subarray(0, left))) await new Promise((resolve) => deflater.once('drain', resolve));
  }
  deflater.end();
  await done;
  return Buffer.concat(chunks);
}

// C-STORE SCU: Pleura's results (or any Part 10 files) to a peer. Each object is proposed in its own SOP class and
// transfer syntax and sent byte for byte as it is — its data set is never decoded, re-encoded or transcoded (dcmjs
// would do all three) — one object in memory at a time, one association for all of them (more only past the 128
// presentation contexts one association can hold).
import { open } from 'node:fs/promises';
import { MAX_INSTANCE_BYTES, type DimsePeer } from '../peers';
import { classifyStatus, describeStatus } from './dimse-status';
import { CStoreRequest, Dataset, type CStoreResponseType } from './library';
import { readPart10Meta, type Part10Meta } from './part10-meta';
import { lastResponse, withAssociation, type ProposedContext } from './scu-association';
import { sopClassName, transferSyntaxName } from './syntaxes';

export interface StoreResult {
  stored: string[];
  failed: { sopInstanceUid: string; reason: string }[];
}

/** PS3.8 9.3.2.2: presentation context IDs are the odd numbers 1 to 255. */
const MAX_CONTEXTS = 128;
/** A file meta group is a few hundred bytes; this much of a file is read to find it. */
const META_PREFIX_BYTES = 64 * 1024;

interface Outgoing {
  /** the file's path, or "object N" for bytes */
  label: string;
  meta: Part10Meta;
  load(): Promise<Uint8Array>;
}

/** A data set as the bytes it already is: the library asks it for its encoding and gets them back untouched. */
class EncodedDataset extends Dataset {
  constructor(
    private readonly encoded: Buffer,
    meta: Part10Meta,
  ) {
    super({ SOPClassUID: meta.sopClassUid, SOPInstanceUID: meta.sopInstanceUid }, meta.transferSyntaxUid);
  }

  override getDenaturalizedDataset(): Buffer {
    return this.encoded;
  }
}

export async function storeInstances(peer: DimsePeer, objects: readonly (string | Uint8Array)[], signal?: AbortSignal): Promise<StoreResult> {
  const result: StoreResult = { stored: [], failed: [] };
  const outgoing: Outgoing[] = [];
  for (const [index, object] of objects.entries()) {
    const prepared = typeof object === 'string' ? await fromFile(object) : fromBytes(object, `object ${index + 1}`);
    if ('reason' in prepared) result.failed.push({ sopInstanceUid: '', reason: prepared.reason });
    else outgoing.push(prepared);
  }
  for (const batch of batches(outgoing)) {
    await withAssociation(peer, { contexts: contextsOf(batch), signal }, async (association) => {
      for (const one of batch) {
        const { sopClassUid, sopInstanceUid, transferSyntaxUid } = one.meta;
        const fail = (reason: string) => result.failed.push({ sopInstanceUid, reason: `${one.label}: ${reason}` });
        if (!association.accepts(sopClassUid, transferSyntaxUid)) {
          fail(`${association.where} takes no ${sopClassName(sopClassUid)} in ${transferSyntaxName(transferSyntaxUid)}`);
          continue;
        }
        const bytes = await one.load();
        const now = readPart10Meta(bytes);
        if ('refusal' in now || now.sopInstanceUid !== sopInstanceUid || now.sopClassUid !== sopClassUid || now.transferSyntaxUid !== transferSyntaxUid) {
          fail('the file changed while it was being sent');
          continue;
        }
        const request = new CStoreRequest(new EncodedDataset(Buffer.from(bytes.buffer, bytes.byteOffset + now.dataSetOffset, bytes.length - now.dataSetOffset), now));
        const final = lastResponse<CStoreResponseType>(request);
        await association.run([request]);
        const status = final()?.getStatus();
        if (status === undefined) fail(`${association.where} did not answer the C-STORE`);
        else if (['success', 'warning'].includes(classifyStatus(status))) result.stored.push(sopInstanceUid);
        else fail(`${association.where} refused it with ${describeStatus(status, final()?.getErrorComment())}`);
      }
    });
  }
  return result;
}

async function fromFile(file: string): Promise<Outgoing | { reason: string }> {
  let start: { size: number; bytes: Uint8Array };
  try {
    start = await readStart(file, META_PREFIX_BYTES);
  } catch (error) {
    return { reason: `${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
  if (start.size > MAX_INSTANCE_BYTES) return { reason: `${file}: ${start.size} bytes, past the ${MAX_INSTANCE_BYTES}-byte limit on an instance` };
  const meta = readPart10Meta(start.bytes);
  if ('refusal' in meta) return { reason: `${file}: ${meta.refusal}` };
  // A file that has grown past the limit since loads as nothing, and is then "changed while it was being sent".
  return { label: file, meta, load: async () => (await readStart(file, MAX_INSTANCE_BYTES)).bytes };
}

/** A file's size and its first `cap` bytes; nothing of a file past MAX_INSTANCE_BYTES is read. */
async function readStart(file: string, cap: number): Promise<{ size: number; bytes: Uint8Array }> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size > MAX_INSTANCE_BYTES) return { size, bytes: new Uint8Array() };
    const bytes = new Uint8Array(Math.min(size, cap));
    const { bytesRead } = await handle.read(bytes, 0, bytes.length, 0);
    return { size, bytes: bytes.subarray(0, bytesRead) };
  } finally {
    await handle.close();
  }
}

function fromBytes(bytes: Uint8Array, label: string): Outgoing | { reason: string } {
  if (bytes.length > MAX_INSTANCE_BYTES) return { reason: `${label}: ${bytes.length} bytes, past the ${MAX_INSTANCE_BYTES}-byte limit on an instance` };
  const meta = readPart10Meta(bytes);
  if ('refusal' in meta) return { reason: `${label}: ${meta.refusal}` };
  return { label, meta, load: async () => bytes };
}

function contextKey(meta: Part10Meta): string {
  return `${meta.sopClassUid} ${meta.transferSyntaxUid}`;
}

/** The objects in groups whose distinct (SOP class, transfer syntax) pairs fit in one association's contexts. */
export function batches<T extends { meta: Part10Meta }>(objects: T[]): T[][] {
  const groups: { objects: T[]; keys: Set<string> }[] = [];
  for (const object of objects) {
    const key = contextKey(object.meta);
    let group = groups.find((candidate) => candidate.keys.has(key)) ?? groups.find((candidate) => candidate.keys.size < MAX_CONTEXTS);
    if (!group) {
      group = { objects: [], keys: new Set() };
      groups.push(group);
    }
    group.objects.push(object);
    group.keys.add(key);
  }
  return groups.map((group) => group.objects);
}

/** One context per (SOP class, transfer syntax) pair: exactly the object's own syntax, so nothing needs converting. */
function contextsOf(objects: Outgoing[]): ProposedContext[] {
  const seen = new Map<string, ProposedContext>();
  for (const { meta } of objects) {
    seen.set(contextKey(meta), { abstractSyntax: meta.sopClassUid, transferSyntaxes: [meta.transferSyntaxUid] });
  }
  return [...seen.values()];
}

// STOW-RS: Pleura's results sent as one multipart/related request, and the archive's answer (PS3.18 10.5.3) read
// back object by object. An object the answer does not account for counts as failed: only what the archive
// acknowledged is stored, as far as Pleura knows.
import { randomBytes } from 'node:crypto';
import { parseFile } from '../../studies/dicom/dataset';
import { PacsError } from '../pacs-error';
import { firstNumber, firstString, isDicomJsonObject, isUid, sequence, TAG } from './dicom-json';
import { multipartBody } from './multipart';

export interface StowOutcome {
  stored: string[];
  failed: { sopInstanceUid: string; reason: string }[];
}

/** The SOP Instance UID of an object about to be sent; an object without one is the caller's mistake. */
export function sopInstanceUidOf(object: Uint8Array, index: number): string {
  let uid: string | undefined;
  try {
    const file = parseFile(object, `STOW object ${index + 1}`);
    uid = file.meta.sopInstanceUid ?? file.dataSet.string('x00080018');
  } catch {
    // handled below
  }
  if (!isUid(uid)) throw new TypeError(`STOW object ${index + 1} is not DICOM with a SOP Instance UID`);
  return uid;
}

export function stowRequest(objects: readonly Uint8Array[]): { body: Blob; contentType: string } {
  const boundary = `pleura-${randomBytes(16).toString('hex')}`;
  const chunks = multipartBody(
    objects.map((body) => ({ contentType: 'application/dicom', body })),
    boundary,
  );
  // The views are over ordinary ArrayBuffers (DICOM made in this process), never shared memory.
  return { body: new Blob(chunks as BlobPart[]), contentType: `multipart/related; type="application/dicom"; boundary=${boundary}` };
}

/** PS3.18 Table I.2-1's failure reasons (and PS3.4's general ones), in words. */
export function failureReasonText(code: number | null): string {
  if (code === null) return 'the PACS gave no reason';
  const hex = `${code.toString(16).toUpperCase().padStart(4, '0')}H`;
  const known: Record<number, string> = {
    0x0110: 'processing failure',
    0x0112: 'no such object instance',
    0x0122: 'SOP class not supported',
    0x0124: 'not authorized',
    0x0211: 'unrecognized operation',
    0xa700: 'out of resources',
    0xa900: 'data set does not match SOP class',
    0xc122: 'transfer syntax not supported',
  };
  const words = known[code] ?? ((code & 0xff00) === 0xa700 ? 'out of resources' : (code & 0xff00) === 0xa900 ? 'data set does not match SOP class' : (code & 0xf000) === 0xc000 ? 'cannot understand' : 'failure');
  return `${words} (${hex})`;
}

/**
 * What the archive says of each object sent (`sent`: their SOP Instance UIDs, in order). Throws 'protocol' when the
 * answer is not a STOW-RS response at all.
 */
export function stowOutcome(sent: readonly string[], answer: unknown): StowOutcome {
  if (!isDicomJsonObject(answer) || !(TAG.referencedSopSequence in answer || TAG.failedSopSequence in answer)) {
    throw new PacsError('protocol', 'the STOW-RS answer is not a store response');
  }
  const referenced = new Set(sequence(answer, TAG.referencedSopSequence).map((item) => firstString(item, TAG.referencedSopInstanceUid)));
  const failures = new Map<string, string>();
  for (const item of sequence(answer, TAG.failedSopSequence)) {
    const uid = firstString(item, TAG.referencedSopInstanceUid);
    if (uid !== null) failures.set(uid, failureReasonText(firstNumber(item, TAG.failureReason)));
  }
  const outcome: StowOutcome = { stored: [], failed: [] };
  for (const uid of sent) {
    const failure = failures.get(uid);
    if (failure !== undefined) outcome.failed.push({ sopInstanceUid: uid, reason: failure });
    else if (referenced.has(uid)) outcome.stored.push(uid);
    else outcome.failed.push({ sopInstanceUid: uid, reason: 'the PACS did not acknowledge it' });
  }
  return outcome;
}

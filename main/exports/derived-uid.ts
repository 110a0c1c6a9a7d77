// UIDs that are a function of what they name: pushing the same result again gives the same UIDs, so a PACS (and a
// second workstation asking it) can tell it already holds the object. A 2.25 UID is a UUID written as one decimal
// integer (PS3.5 B.2, ISO/IEC 9834-8); this one is the name-based UUIDv8 of RFC 9562 (B.2): the first 128 bits of a
// SHA-256 with the version and variant bits set, so it is a well-formed UUID that a random UUIDv4 never equals.
import { createHash } from 'node:crypto';
import { newUid } from '../phantoms/dicom';

/** The UIDs of a new object in a series of its own. */
export type InstanceUids = { sopInstanceUid: string; seriesInstanceUid: string };

/** SHA-256 over the parts, each preceded by its UTF-8 length as 4 bytes big endian: ("ab", "c") and ("a", "bc") differ. */
export function digestOfParts(parts: readonly string[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) {
    const bytes = Buffer.from(part, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  }
  return hash.digest();
}

export function derivedUid(...parts: string[]): string {
  const uuid = digestOfParts(parts).subarray(0, 16);
  uuid[6] = (uuid[6] & 0x0f) | 0x80; // version 8
  uuid[8] = (uuid[8] & 0x3f) | 0x80; // variant 10
  // At most 39 digits: "2.25." and the integer stay within a UI's 64 characters, with no leading zero.
  return `2.25.${BigInt(`0x${uuid.toString('hex')}`).toString()}`;
}

/** The UIDs given (derived, for a result sent again), or new random ones. */
export function instanceUids(given?: InstanceUids): InstanceUids {
  return given ?? { sopInstanceUid: newUid(), seriesInstanceUid: newUid() };
}

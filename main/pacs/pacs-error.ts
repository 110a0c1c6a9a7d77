// One error type for everything that talks to a PACS, so every caller (the API, the CLI's JSON summary, the sync
// loop) can say what went wrong in the same words and decide from its kind whether trying again can help.

export type PacsErrorKind =
  /** 401/403, or an association rejected for its AE titles: a wrong password, token or AE title; retrying will not help */
  | 'authentication'
  /** the peer could not be reached: refused, reset, timed out, name not resolved; retrying later may help */
  | 'connection'
  /** the peer answered, but not as DICOMweb or DIMSE says it should (bad multipart, bad JSON, unexpected status) */
  | 'protocol'
  /** the peer does not have what was asked for */
  | 'not-found'
  /** an optimistic-locking conflict (HTTP 409/412): someone else changed it first */
  | 'conflict'
  /** larger than Pleura accepts (an instance past the size cap, a response past the JSON cap) */
  | 'too-large'
  /** the caller cancelled */
  | 'cancelled'
  /** the peer refused the request for a reason of its own (C-STORE failure status, STOW failure) */
  | 'refused';

export class PacsError extends Error {
  constructor(
    readonly kind: PacsErrorKind,
    message: string,
    /** the HTTP status or DIMSE status, where there was one */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'PacsError';
  }
}

/** True for failures where the same request later may succeed (the peer was down or busy). */
export function isTransient(error: unknown): boolean {
  return error instanceof PacsError && error.kind === 'connection';
}

// Exactly-once work across workstations: before triaging and pushing an image, a node claims it; the claim expires if
// its holder dies, and a finished claim tells every other node that the results are already in the PACS.
import type { InstanceRef } from './peers';

export type ClaimOutcome =
  /** this holder has the work (new, taken over after expiry, or its own claim renewed) */
  | 'claimed'
  /** another holder's claim is live */
  | 'taken'
  /** results were pushed already (by any holder) */
  | 'done';

export interface WorkClaims {
  claim(ref: InstanceRef, holder: string, ttlMs: number, signal?: AbortSignal): Promise<ClaimOutcome>;
  /** the results of `resultVersion` are in the PACS; throws PacsError 'conflict' if another holder's claim is live */
  finish(ref: InstanceRef, holder: string, resultVersion: string, signal?: AbortSignal): Promise<void>;
  /** gives the work up (triage failed, cancelled); nothing happens unless `holder` holds a live or lapsed claim */
  release(ref: InstanceRef, holder: string, signal?: AbortSignal): Promise<void>;
}

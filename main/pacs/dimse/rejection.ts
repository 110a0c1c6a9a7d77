// An A-ASSOCIATE-RJ (PS3.8 9.3.4) in words, and what it means for the caller: the AE titles are wrong
// ('authentication': retrying will not help), the peer is busy ('connection': later may work) or the two sides do
// not speak the same protocol.
import { PacsError, type PacsErrorKind } from '../pacs-error';

export interface Rejection {
  result: number;
  source: number;
  reason: number;
}

const PERMANENT = 1;
const SERVICE_USER = 1;
const ACSE_PROVIDER = 2;
const PRESENTATION_PROVIDER = 3;

/** The standard's words for each source's reasons. */
export function rejectionReason({ source, reason }: Rejection): string {
  if (source === SERVICE_USER) {
    if (reason === 2) return 'application context name not supported';
    if (reason === 3) return 'calling AE title not recognized';
    if (reason === 7) return 'called AE title not recognized';
    return 'no reason given';
  }
  if (source === ACSE_PROVIDER) return reason === 2 ? 'protocol version not supported' : 'no reason given';
  if (source === PRESENTATION_PROVIDER) {
    if (reason === 1) return 'temporary congestion';
    if (reason === 2) return 'local limit exceeded';
  }
  return `reason ${reason} from source ${source}`;
}

/**
 * Transient rejections (busy) may pass later; a permanent one from the peer's application is about who is calling
 * whom — the AE titles, or the calling AE missing from the peer's list of known modalities; the rest are protocol
 * mismatches.
 */
export function rejectionKind(rejection: Rejection): PacsErrorKind {
  if (rejection.result !== PERMANENT) return 'connection';
  return rejection.source === SERVICE_USER && rejection.reason !== 2 ? 'authentication' : 'protocol';
}

export function rejectionError(rejection: Rejection, calledAeTitle: string, callingAeTitle: string, where: string): PacsError {
  const permanence = rejection.result === PERMANENT ? 'permanently' : 'for now';
  const reason = rejectionReason(rejection);
  const hint = rejectionKind(rejection) === 'authentication' ? `: check that ${where} is AE "${calledAeTitle}" and knows "${callingAeTitle}"` : '';
  return new PacsError(
    rejectionKind(rejection),
    `${where} rejected the association ${permanence} (${reason}) when "${callingAeTitle}" called "${calledAeTitle}"${hint}`,
  );
}

// What the PACS panel says about the DICOMweb secret and about a connection test, in words. The secret itself never
// comes back from the service: only whether there is one and where it is kept.
import type { ApiResults, PacsSecretInfo } from '../../../main/api/contract';
import { formatNumber } from '../../app/format';
import type { PacsAuth } from './pacs-form';

export type TestOutcome = ApiResults['pacs.test'];

/** Where `pleura serve` and the CLI take the secret from: a browser cannot reach the operating system's key store. */
export const environmentNote = 'Set PLEURA_PACS_PASSWORD in the environment of pleura serve';

export function secretWord(auth: PacsAuth): 'password' | 'token' {
  return auth === 'bearer' ? 'token' : 'password';
}

/** Whether a secret is there and where it lives, for a shell that can store one. */
export function storedSecretLine(secret: PacsSecretInfo, auth: PacsAuth): string {
  const word = secretWord(auth);
  if (!secret.present) return `No ${word} is stored.`;
  return secret.source === 'environment'
    ? `The ${word} comes from PLEURA_PACS_PASSWORD in Pleura's environment.`
    : `A ${word} is stored, encrypted by the operating system.`;
}

/** Whether the environment holds a secret, for a shell that cannot store one. */
export function environmentSecretLine(secret: PacsSecretInfo): string {
  return secret.present ? 'PLEURA_PACS_PASSWORD is set.' : 'PLEURA_PACS_PASSWORD is not set.';
}

export function testOutcomeLine(outcome: TestOutcome): string {
  if (!outcome.ok) return `Failed: ${outcome.message}`;
  const time = outcome.ms === null ? 'Connected' : `Connected in ${formatNumber(outcome.ms)} ms`;
  return outcome.message ? `${time} — ${outcome.message}` : time;
}

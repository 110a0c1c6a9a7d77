// Where the DICOMweb password or token is kept: never in a settings file in plain text. The workstation encrypts it
// with Electron's safeStorage (the OS keychain's key) into a file in the data directory; `pleura serve` and the CLI
// read PLEURA_PACS_PASSWORD from their environment and store nothing.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ApiError, type PacsSecretInfo } from '../api/contract';
import { writeFileAtomically } from '../fs/atomic-file';

export const PASSWORD_VARIABLE = 'PLEURA_PACS_PASSWORD';
const SECRET_FILE = 'pacs-secret.bin';

export interface PacsSecrets {
  info(): PacsSecretInfo;
  /** the password or token; null when none is kept */
  get(): string | null;
  set(secret: string | null): Promise<void>;
}

/** What Electron's safeStorage offers (passed in: this module must not import Electron). */
export interface OsEncryption {
  isAvailable(): boolean;
  encrypt(text: string): Uint8Array;
  decrypt(bytes: Uint8Array): string;
}

/** The secret from the environment; nothing can be stored. */
export function environmentSecrets(env: NodeJS.ProcessEnv = process.env): PacsSecrets {
  const secret = () => env[PASSWORD_VARIABLE] || null;
  return {
    info: () => ({ present: secret() !== null, source: secret() === null ? null : 'environment', canStore: false }),
    get: secret,
    async set() {
      throw new ApiError('unavailable', `this shell keeps no PACS password: set ${PASSWORD_VARIABLE} in the environment of pleura serve (or of the pleura command) instead`);
    },
  };
}

/**
 * The secret encrypted by the operating system, in <dataDir>/pacs-secret.bin; PLEURA_PACS_PASSWORD, when set, wins
 * (an administrator's override). A file that no longer decrypts (another user, another machine) reads as none.
 */
export function osEncryptedSecrets(dataDir: string, encryption: OsEncryption, env: NodeJS.ProcessEnv = process.env): PacsSecrets {
  const file = path.join(dataDir, SECRET_FILE);
  const fromEnvironment = environmentSecrets(env);
  const stored = (): string | null => {
    if (!existsSync(file) || !encryption.isAvailable()) return null;
    try {
      return encryption.decrypt(readFileSync(file)) || null;
    } catch {
      return null;
    }
  };
  return {
    info() {
      if (fromEnvironment.get() !== null) return { ...fromEnvironment.info(), canStore: encryption.isAvailable() };
      return { present: stored() !== null, source: stored() === null ? null : 'safe-storage', canStore: encryption.isAvailable() };
    },
    get: () => fromEnvironment.get() ?? stored(),
    async set(secret) {
      if (secret === null) {
        rmSync(file, { force: true });
        return;
      }
      if (!encryption.isAvailable()) throw new ApiError('unavailable', "the operating system's encrypted storage is not available here, so the password cannot be kept; set PLEURA_PACS_PASSWORD instead");
      await writeFileAtomically(file, encryption.encrypt(secret));
    },
  };
}

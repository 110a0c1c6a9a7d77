// Where Pleura keeps what it owns (the study index, models, settings): the same folder Electron names `userData`
// for productName "Pleura", so the workstation, `pleura serve` and the CLI all share one index.
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const appName = 'Pleura';

export interface DataDirContext {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  home: string;
}

/** PLEURA_DATA_DIR when set, else the platform's per-user application data folder for Pleura. */
export function resolveDataDir(context: DataDirContext = { env: process.env, platform: process.platform, home: os.homedir() }): string {
  const { env, platform, home } = context;
  if (env.PLEURA_DATA_DIR) return path.resolve(env.PLEURA_DATA_DIR);
  // Built from parts with the target platform's own path flavour, so the answer does not depend on the host.
  if (platform === 'win32') return path.win32.join(env.APPDATA || path.win32.join(home, 'AppData', 'Roaming'), appName);
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', appName);
  return path.posix.join(env.XDG_CONFIG_HOME || path.posix.join(home, '.config'), appName);
}

/** The data directory, created if missing. */
export function ensureDataDir(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true });
  return dataDir;
}

export function indexPath(dataDir: string): string {
  return path.join(dataDir, 'index.sqlite');
}

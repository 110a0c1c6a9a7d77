// The workstation's settings: settings.json in the data directory (replaced atomically), over defaults. They live
// outside the study index, so a rebuilt index keeps them; an index from before settings.json hands its settings
// table over once. A stored value that no longer fits its schema (an older or hand-edited file) reads as the
// default, not as an error; a file that is not JSON at all is set aside and the defaults used.
import { existsSync, readFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { WorkstationSettings } from '../api/contract';
import { writeFileAtomically, writeFileAtomicallySync } from '../fs/atomic-file';
import { tryParseJson } from '../fs/try-parse-json';
import { DEFAULT_INTENDED_USE } from '../triage/intended-use';

type Key = keyof WorkstationSettings;
const keys = Object.keys(WorkstationSettings.shape) as Key[];

export const SETTINGS_FILE = 'settings.json';

export function settingsPath(dataDir: string): string {
  return path.join(dataDir, SETTINGS_FILE);
}

/** The OS account's name, the reviewer until someone types theirs. */
export function osUserName(): string {
  try {
    return os.userInfo().username || 'unknown';
  } catch {
    // userInfo throws where the account has no passwd entry (some containers).
    return process.env.USER || process.env.USERNAME || 'unknown';
  }
}

export function defaultSettings(reviewer: string = osUserName()): WorkstationSettings {
  return { autoTriage: true, thresholds: { kind: 'card' }, engine: 'auto', tta: 'hflip', reviewer, ensemble: [], intendedUse: DEFAULT_INTENDED_USE };
}

export interface SettingsStore {
  get(): WorkstationSettings;
  /** Writes the given settings (already validated); the others keep their values. */
  put(changes: Partial<WorkstationSettings>): Promise<void>;
}

type Stored = Record<string, unknown>;

/** The settings an index kept in its `settings` table before settings.json (one JSON value per key). */
export function settingsFromIndex(db: Database.Database): Stored {
  const stored: Stored = {};
  for (const { key, value } of db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[]) {
    stored[key] = tryParseJson(value);
  }
  return stored;
}

function readStored(file: string): Stored | undefined {
  if (!existsSync(file)) return undefined;
  const parsed = tryParseJson(readFileSync(file, 'utf8'));
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Stored;
  renameSync(file, `${file}.unreadable-${Date.now()}`);
  return {};
}

/**
 * The settings of `file`. Without the file, `previous` (the index's old table) is what was stored, written to the
 * file at once so the hand-over happens once.
 */
export function openSettingsStore(file: string, defaults: WorkstationSettings = defaultSettings(), previous: () => Stored = () => ({})): SettingsStore {
  let stored = readStored(file);
  if (stored === undefined) {
    stored = previous();
    if (Object.keys(stored).length > 0) writeFileAtomicallySync(file, serialise(stored));
  }
  return {
    get() {
      const settings: Record<string, unknown> = { ...defaults };
      for (const [key, value] of Object.entries(stored!)) {
        if (!keys.includes(key as Key)) continue;
        const parsed = WorkstationSettings.shape[key as Key].safeParse(value);
        if (parsed.success) settings[key] = parsed.data;
      }
      return settings as WorkstationSettings;
    },
    async put(changes) {
      const next = { ...stored, ...Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) };
      await writeFileAtomically(file, serialise(next));
      stored = next;
    },
  };
}

function serialise(stored: Stored): string {
  return `${JSON.stringify(stored, null, 2)}\n`;
}

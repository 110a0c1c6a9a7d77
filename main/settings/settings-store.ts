// The workstation's settings: settings.json in the data directory (json-settings.ts), over defaults. They live
// outside the study index, so a rebuilt index keeps them; an index from before settings.json hands its settings
// table over once.
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { WorkstationSettings } from '../api/contract';
import { tryParseJson } from '../fs/try-parse-json';
import { DEFAULT_INTENDED_USE } from '../triage/intended-use';
import { openJsonSettings, type JsonSettings, type Stored } from './json-settings';

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

export type SettingsStore = JsonSettings<WorkstationSettings>;

/** The settings an index kept in its `settings` table before settings.json (one JSON value per key). */
export function settingsFromIndex(db: Database.Database): Stored {
  const stored: Stored = {};
  for (const { key, value } of db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[]) {
    stored[key] = tryParseJson(value);
  }
  return stored;
}

/**
 * The settings of `file`. Without the file, `previous` (the index's old table) is what was stored, written to the
 * file at once so the hand-over happens once.
 */
export function openSettingsStore(file: string, defaults: WorkstationSettings = defaultSettings(), previous: () => Stored = () => ({})): SettingsStore {
  return openJsonSettings(file, WorkstationSettings, defaults, previous);
}

// The workstation's settings: one row per setting in the index's `settings` table (value as JSON), over defaults.
// A stored value that no longer fits its schema (an older or hand-edited file) reads as the default, not as an error.
import os from 'node:os';
import type Database from 'better-sqlite3';
import { WorkstationSettings } from '../api/contract';

type Key = keyof WorkstationSettings;
const keys = Object.keys(WorkstationSettings.shape) as Key[];

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
  return { autoTriage: true, thresholds: { kind: 'card' }, engine: 'auto', tta: 'hflip', reviewer, ensemble: [] };
}

export interface SettingsStore {
  get(): WorkstationSettings;
  /** Writes the given settings (already validated); the others keep their values. */
  put(changes: Partial<WorkstationSettings>): void;
}

export function createSettingsStore(db: Database.Database, defaults: WorkstationSettings = defaultSettings()): SettingsStore {
  const selectAll = db.prepare('SELECT key, value FROM settings');
  const upsert = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  const putAll = db.transaction((entries: [string, unknown][]) => {
    for (const [key, value] of entries) upsert.run(key, JSON.stringify(value));
  });

  return {
    get() {
      const settings: Record<string, unknown> = { ...defaults };
      for (const { key, value } of selectAll.all() as { key: string; value: string }[]) {
        if (!keys.includes(key as Key)) continue;
        const parsed = WorkstationSettings.shape[key as Key].safeParse(parseJson(value));
        if (parsed.success) settings[key] = parsed.data;
      }
      return settings as WorkstationSettings;
    },
    put(changes) {
      putAll(Object.entries(changes).filter(([, value]) => value !== undefined));
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

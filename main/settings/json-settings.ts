// A settings file in the data directory: JSON, replaced atomically, read over defaults. A stored value that no
// longer fits its schema (an older or hand-edited file) reads as the default, not as an error; a file that is not
// JSON at all is set aside and the defaults used.
import { existsSync, readFileSync, renameSync } from 'node:fs';
import type { z } from 'zod';
import { writeFileAtomically, writeFileAtomicallySync } from '../fs/atomic-file';
import { tryParseJson } from '../fs/try-parse-json';

export type Stored = Record<string, unknown>;

export interface JsonSettings<T> {
  get(): T;
  /** Writes the given settings (already validated); the others keep their values. */
  put(changes: Partial<T>): Promise<void>;
}

/** `previous`: what was stored before the file existed, written to it at once so a hand-over happens once. */
export function openJsonSettings<T extends Stored>(file: string, schema: z.ZodObject, defaults: T, previous: () => Stored = () => ({})): JsonSettings<T> {
  let stored = readStored(file);
  if (stored === undefined) {
    stored = previous();
    if (Object.keys(stored).length > 0) writeFileAtomicallySync(file, serialise(stored));
  }
  return {
    get() {
      const settings: Stored = { ...defaults };
      for (const [key, value] of Object.entries(stored!)) {
        const field = schema.shape[key] as z.ZodType | undefined;
        const parsed = field?.safeParse(value);
        if (parsed?.success) settings[key] = parsed.data;
      }
      return settings as T;
    },
    async put(changes) {
      const next = { ...stored, ...Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) };
      await writeFileAtomically(file, serialise(next));
      stored = next;
    },
  };
}

function readStored(file: string): Stored | undefined {
  if (!existsSync(file)) return undefined;
  const parsed = tryParseJson(readFileSync(file, 'utf8'));
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Stored;
  renameSync(file, `${file}.unreadable-${Date.now()}`);
  return {};
}

function serialise(stored: Stored): string {
  return `${JSON.stringify(stored, null, 2)}\n`;
}

// The audit log: who did what to which image, when, with which model versions. Its record is a file in the data
// directory — JSON lines, one entry a line, only ever appended (O_APPEND, synced to disk), never rewritten — so it
// outlives the study index. The index's audit_log table is a queryable copy: when the log is opened, whatever the
// file holds beyond what was copied (after a rebuild of the index: all of it) is copied in. Entries are kept by UID,
// not by instance row, so they outlive a rescan or a deleted file. Built once per process, in createServices.
import { closeSync, fstatSync, fsyncSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { auditActions, type AuditAction, type AuditEntry } from '../api/contract';
import { tryParseJson } from '../fs/try-parse-json';

export const AUDIT_LOG_FILE = 'audit-log.jsonl';

export function auditLogPath(dataDir: string): string {
  return path.join(dataDir, AUDIT_LOG_FILE);
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at'> & { at?: Date };

export interface AuditLog {
  append(entry: NewAuditEntry): AuditEntry;
  /** Newest first; only the image's entries when a SOP Instance UID is given. */
  list(options?: { sopInstanceUid?: string; limit?: number }): AuditEntry[];
}

const AuditLine = z.object({
  id: z.number().int().positive(),
  at: z.iso.datetime({ offset: true }),
  who: z.string(),
  action: z.enum(auditActions),
  sopInstanceUid: z.string().nullable(),
  studyInstanceUid: z.string().nullable(),
  models: z.array(z.string()),
  detail: z.string(),
}) satisfies z.ZodType<AuditEntry>;

type AuditRow = {
  id: number;
  at: number;
  who: string;
  action: AuditAction;
  sopInstanceUid: string | null;
  studyInstanceUid: string | null;
  models: string;
  detail: string;
};

const SELECT = `SELECT id, at, who, action, sop_instance_uid AS sopInstanceUid, study_instance_uid AS studyInstanceUid, models, detail
  FROM audit_log`;

/** Appends `text` to the file in one write with O_APPEND and waits until it is on the disk. */
function appendDurably(file: string, text: string): void {
  const fd = openSync(file, 'a');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

const CHUNK = 1 << 20;
/** An entry is a few hundred bytes; a "line" this long is none, and is not held in memory whole. */
const MAX_LINE = 1 << 20;

/**
 * The complete lines of the file from byte `from` on, read a chunk at a time, and the offset after each. A line
 * longer than MAX_LINE comes out empty (it is no entry), so memory stays bounded whatever the file holds.
 */
function* linesFrom(file: string, from: number): Generator<{ line: string; end: number }> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    const size = fstatSync(fd).size;
    let pending = Buffer.alloc(0);
    let pendingStart = from;
    let overlong = false;
    for (let at = from; at < size; ) {
      const chunk = Buffer.alloc(Math.min(CHUNK, size - at));
      const read = readSync(fd, chunk, 0, chunk.length, at);
      if (read === 0) break;
      at += read;
      pending = Buffer.concat([pending, chunk.subarray(0, read)]);
      for (let newline = pending.indexOf(0x0a); newline !== -1; newline = pending.indexOf(0x0a)) {
        const end = pendingStart + newline + 1;
        yield { line: overlong ? '' : pending.subarray(0, newline).toString('utf8'), end };
        pending = pending.subarray(newline + 1);
        pendingStart = end;
        overlong = false;
      }
      if (pending.length > MAX_LINE) {
        pendingStart += pending.length;
        pending = Buffer.alloc(0);
        overlong = true;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The audit log of `file`, with `db`'s audit_log table as its copy. Opening catches the copy up with the file (and,
 * for an index from before the file existed, writes the index's entries to the file first); a line that is not an
 * entry (a write cut short by a crash) is passed over and left where it is.
 */
export function openAuditLog(db: Database.Database, file: string): AuditLog {
  const s = {
    insert: db.prepare(`INSERT OR IGNORE INTO audit_log (id, at, who, action, sop_instance_uid, study_instance_uid, models, detail)
      VALUES (@id, @at, @who, @action, @sopInstanceUid, @studyInstanceUid, @models, @detail)`),
    nextId: db.prepare('SELECT coalesce(max(id), 0) + 1 AS id FROM audit_log'),
    copied: db.prepare('SELECT bytes FROM audit_log_copied WHERE id = 1'),
    setCopied: db.prepare('INSERT INTO audit_log_copied (id, bytes) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET bytes = excluded.bytes'),
    oldest: db.prepare(`${SELECT} ORDER BY id`),
    // Entries written in the same millisecond keep their order through the id.
    all: db.prepare(`${SELECT} ORDER BY at DESC, id DESC LIMIT ?`),
    ofImage: db.prepare(`${SELECT} WHERE sop_instance_uid = ? ORDER BY at DESC, id DESC LIMIT ?`),
  };
  const copiedBytes = () => (s.copied.get() as { bytes: number } | undefined)?.bytes;
  const insert = (entry: AuditEntry) => s.insert.run({ ...entry, at: Date.parse(entry.at), models: JSON.stringify(entry.models) });

  db.transaction(() => {
    let copied = copiedBytes();
    if (copied === undefined) {
      // A new index (a rebuild copies the whole file in), or one from before the file, whose entries go to the file.
      const legacy = (s.oldest.all() as AuditRow[]).map((row) => `${JSON.stringify(toEntry(row))}\n`).join('');
      if (legacy) appendDurably(file, legacy);
      copied = 0;
    }
    for (const { line, end } of linesFrom(file, copied)) {
      const parsed = AuditLine.safeParse(tryParseJson(line));
      if (parsed.success) insert(parsed.data);
      copied = end;
    }
    // A last line without its end (a crash mid-write) is ended, so the next entry starts a line of its own.
    if (fileSize(file) > copied) {
      appendDurably(file, '\n');
      copied = fileSize(file);
    }
    s.setCopied.run(copied);
  })();

  return {
    append(entry) {
      return db.transaction(() => {
        const { id } = s.nextId.get() as { id: number };
        const written: AuditEntry = { ...entry, id, at: (entry.at ?? new Date()).toISOString() };
        const line = `${JSON.stringify(written)}\n`;
        // The file first: if it cannot take the entry, the caller's transaction (a review, a settings change) fails.
        appendDurably(file, line);
        insert(written);
        s.setCopied.run((copiedBytes() ?? 0) + Buffer.byteLength(line));
        return written;
      })();
    },
    list({ sopInstanceUid, limit } = {}) {
      const rows = (sopInstanceUid === undefined ? s.all.all(limit ?? -1) : s.ofImage.all(sopInstanceUid, limit ?? -1)) as AuditRow[];
      return rows.map(toEntry);
    },
  };
}

function toEntry(row: AuditRow): AuditEntry {
  return { ...row, at: new Date(row.at).toISOString(), models: JSON.parse(row.models) as string[] };
}

// SQLite's own failures, said to a person: what happened to the study index and what to do about it. A raw
// SqliteError (its code, its stack) means nothing to a radiologist; these are the messages every caller of the
// index passes on instead, as 'unavailable' ApiErrors.
import { ApiError } from '../api/contract';

/** The SQLite result codes an index failure can carry that Pleura explains; null for anything else. */
export function sqliteCode(error: unknown): string | null {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : null;
}

/** A damaged file, as opening or reading it reports it: what a rebuild answers. */
export function isCorruption(error: unknown): boolean {
  const code = sqliteCode(error);
  return code !== null && /^SQLITE_(CORRUPT|NOTADB)/.test(code);
}

/** What an SQLite result code means for the study index, and what to do about it. */
export function explainIndexFailure(code: string, indexFile: string): string {
  if (/^SQLITE_(BUSY|LOCKED)/.test(code)) return `the study index ${indexFile} is busy with another program; try again in a moment`;
  if (/^SQLITE_(CORRUPT|NOTADB)/.test(code)) {
    return `the study index ${indexFile} is damaged; restart Pleura: it moves the damaged file aside and rebuilds the index by rescanning your folders (reviews, labels, settings and the audit log are kept outside it)`;
  }
  if (code === 'SQLITE_FULL') return `the disk holding the study index ${indexFile} is full; free some space and try again`;
  if (/^SQLITE_(READONLY|CANTOPEN|PERM|AUTH)/.test(code)) {
    return `Pleura cannot write the study index ${indexFile}; check that its folder is writable, or choose another data directory with PLEURA_DATA_DIR`;
  }
  if (code.startsWith('SQLITE_IOERR')) return `reading or writing the study index ${indexFile} failed (a disk or file system error); check the disk and try again`;
  return `the study index ${indexFile} failed (${code}); try again, and report it if it happens again`;
}

/** An SQLite failure as an ApiError that says what to do; any other error as it is. */
export function explainIndexError(error: unknown, indexFile: string): unknown {
  const code = sqliteCode(error);
  return code === null ? error : new ApiError('unavailable', explainIndexFailure(code, indexFile), { sqliteCode: code });
}

/** `handlers` (async API methods) with every SQLite failure of theirs turned into explainIndexError's ApiError. */
export function explainingIndexErrors<H extends object>(handlers: H, indexFile: string): H {
  const wrapped = Object.entries(handlers).map(([name, handler]: [string, (args: unknown) => Promise<unknown>]) => [
    name,
    async (args: unknown) => {
      try {
        return await handler(args);
      } catch (error) {
        throw explainIndexError(error, indexFile);
      }
    },
  ]);
  return Object.fromEntries(wrapped) as H;
}

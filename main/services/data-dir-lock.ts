// One Pleura process per data directory: two processes on one index (two `serve`s, the workstation and a CLI
// scan) would scan the same folders at once and each take the other's work for files gone.
//
// The lock is an exclusive transaction on a small SQLite database (pleura.lock), held for the life of the process.
// SQLite locks with the operating system's own file locks (fcntl on POSIX, LockFileEx on Windows), which the
// system drops when the process ends, however it ends: a crashed or killed Pleura leaves no stale lock to clean up,
// and no pid file can be mistaken for a live one. The lock database cannot be read while it is held, so who holds
// it is written beside it (pleura.lock.json), for the refusal to name them. Scan workers are threads of the holding
// process and need no lock of their own; a second services object in the same process shares the process's lock.
import { readFileSync, realpathSync, rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { ApiError } from '../api/contract';
import { writeFileAtomicallySync } from '../fs/atomic-file';

export const LOCK_FILE = 'pleura.lock';
export const HOLDER_FILE = 'pleura.lock.json';

const LockHolder = z.object({
  /** what holds it: 'start' (the workstation), 'serve', 'scan', … */
  command: z.string(),
  pid: z.number().int(),
  since: z.string(),
  /** where `serve` answers, without its access token */
  address: z.string().optional(),
});
export type LockHolder = z.infer<typeof LockHolder>;

/** Another process holds the data directory (holder null: it has not said who it is yet, or cannot be read). */
export class DataDirBusyError extends ApiError {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder | null,
  ) {
    super('unavailable', busyMessage(dataDir, holder), { holder });
    this.name = 'DataDirBusyError';
  }
}

/** "Pleura serve (pid 12, since …, at http://127.0.0.1:4321/)", or "Another Pleura process" when it is not known. */
export function describeHolder(holder: LockHolder | null): string {
  if (!holder) return 'Another Pleura process';
  const who = holder.command === 'start' ? 'The Pleura workstation' : `Pleura ${holder.command}`;
  return `${who} (pid ${holder.pid}, since ${holder.since}${holder.address ? `, at ${holder.address}` : ''})`;
}

export function busyMessage(dataDir: string, holder: LockHolder | null): string {
  const advice =
    holder?.command === 'serve'
      ? `open its page with the link it printed (it carries the access token), or stop it with Ctrl+C`
      : holder?.command === 'start'
        ? 'switch to its window, or quit it first'
        : 'wait for it to finish, or stop it first';
  return (
    `${describeHolder(holder)} is using ${dataDir}; ${advice}. One Pleura process at a time uses a data directory ` +
    '(PLEURA_DATA_DIR names another).'
  );
}

export interface DataDirLock {
  readonly holder: LockHolder;
  /** Tells later comers more about this process: serve's address, once it listens. */
  announce(details: Pick<LockHolder, 'address'>): void;
  /** Gives the lock up (the last of this process's holders does); the process ending does the same. */
  release(): void;
}

export interface LockRequest {
  command: string;
  /** how long to wait for a holder to finish before giving up; 0 (the default) refuses at once */
  waitMs?: number;
  /** told once, before waiting, who is being waited for */
  onWait?: (holder: LockHolder | null) => void;
  now?: () => Date;
}

type Held = { db: Database.Database; holder: LockHolder; holderFile: string; users: number };
const heldHere = new Map<string, Held>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The holder as it described itself; null when it has not yet, or the description is of a process long gone. */
export function readHolder(dataDir: string): LockHolder | null {
  try {
    const parsed = LockHolder.safeParse(JSON.parse(readFileSync(path.join(dataDir, HOLDER_FILE), 'utf8')));
    return parsed.success && isAlive(parsed.data.pid) ? parsed.data : null;
  } catch {
    return null;
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

function beginExclusive(db: Database.Database, waitMs: number): boolean {
  db.pragma(`busy_timeout = ${Math.max(0, Math.round(waitMs))}`);
  try {
    db.exec('BEGIN EXCLUSIVE');
    return true;
  } catch (error) {
    if (isBusy(error)) return false;
    throw error;
  }
}

/**
 * Takes the data directory for this process, or throws DataDirBusyError naming who has it. With `waitMs`, waits
 * that long (blocking: it runs before anything else starts) for the holder to finish.
 */
export function acquireDataDirLock(dataDir: string, request: LockRequest): DataDirLock {
  const key = realpathSync(dataDir);
  const held = heldHere.get(key) ?? takeLock(dataDir, request);
  heldHere.set(key, held);
  held.users++;
  let released = false;
  return {
    holder: held.holder,
    announce(details) {
      Object.assign(held.holder, details);
      writeFileAtomicallySync(held.holderFile, `${JSON.stringify(held.holder, null, 2)}\n`);
    },
    release() {
      if (released) return;
      released = true;
      if (--held.users > 0) return;
      heldHere.delete(key);
      // The description goes while the lock is still ours: no later holder's can be removed by mistake.
      rmSync(held.holderFile, { force: true });
      held.db.close();
    },
  };
}

function takeLock(dataDir: string, { command, waitMs = 0, onWait, now = () => new Date() }: LockRequest): Held {
  const lockFile = path.join(dataDir, LOCK_FILE);
  let db: Database.Database | undefined;
  try {
    db = new Database(lockFile, { timeout: 0 });
    if (!beginExclusive(db, 0)) {
      if (waitMs <= 0) throw new DataDirBusyError(dataDir, readHolder(dataDir));
      onWait?.(readHolder(dataDir));
      if (!beginExclusive(db, waitMs)) throw new DataDirBusyError(dataDir, readHolder(dataDir));
    }
  } catch (error) {
    db?.close();
    if (error instanceof DataDirBusyError) throw error;
    throw new ApiError(
      'unavailable',
      `cannot take the data directory ${dataDir} (${(error as Error).message}): check that ${lockFile} and its folder are writable, or set PLEURA_DATA_DIR to another folder`,
    );
  }
  const holder: LockHolder = { command, pid: process.pid, since: now().toISOString() };
  const holderFile = path.join(dataDir, HOLDER_FILE);
  writeFileAtomicallySync(holderFile, `${JSON.stringify(holder, null, 2)}\n`);
  return { db, holder, holderFile, users: 0 };
}

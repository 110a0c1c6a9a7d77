// The data directory's lock between real processes: a holder in a child process, refusals naming it, and the lock
// back as soon as the holder is killed (no stale lock to clean up).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, busyMessage, DataDirBusyError, HOLDER_FILE, LOCK_FILE, readHolder } from '../../../main/services/data-dir-lock';

const repo = path.resolve(import.meta.dirname, '../../..');

/** A child process holding `dataDir`, resolved once it says so. */
async function holdInChild(dataDir: string, holdMs?: number): Promise<ChildProcess> {
  const args = ['--import', 'tsx', 'test/fixtures/hold-data-dir.ts', dataDir, ...(holdMs === undefined ? [] : [String(holdMs)])];
  const child = spawn(process.execPath, args, { cwd: repo });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      if (output.includes('holding')) resolve();
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
    child.once('exit', (code) => reject(new Error(`the holder exited (${code}): ${output}`)));
  });
  return child;
}

describe('the data directory lock', () => {
  let dataDir: string;
  let child: ChildProcess | undefined;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'pleura-lock-'));
  });
  afterEach(() => {
    child?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a second process, naming the holder, and is free again the moment the holder is killed', async () => {
    child = await holdInChild(dataDir);
    const refusal = (() => {
      try {
        acquireDataDirLock(dataDir, { command: 'serve' });
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(DataDirBusyError);
    const { holder, message } = refusal as DataDirBusyError;
    expect(holder).toEqual({ command: 'serve', pid: child.pid, since: expect.any(String), address: 'http://127.0.0.1:4321/' });
    expect(message).toBe(
      `Pleura serve (pid ${child.pid}, since ${holder!.since}, at http://127.0.0.1:4321/) is using ${dataDir}; open its page with the link ` +
        'it printed (it carries the access token), or stop it with Ctrl+C. One Pleura process at a time uses a data directory (PLEURA_DATA_DIR names another).',
    );

    // A bounded wait tells whom it waits for, then gives up.
    const waitedFor: unknown[] = [];
    const started = Date.now();
    expect(() => acquireDataDirLock(dataDir, { command: 'scan', waitMs: 300, onWait: (h) => waitedFor.push(h) })).toThrow(DataDirBusyError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(waitedFor).toEqual([holder]);

    child.kill('SIGKILL');
    await once(child, 'exit');
    // Killed, it could not remove its description: that is read as nobody, and the lock is simply free.
    expect(readHolder(dataDir)).toBeNull();
    const lock = acquireDataDirLock(dataDir, { command: 'scan', now: () => new Date('2026-03-01T10:00:00Z') });
    expect(lock.holder).toEqual({ command: 'scan', pid: process.pid, since: '2026-03-01T10:00:00.000Z' });
    expect(readHolder(dataDir)).toEqual(lock.holder);
    lock.release();
  });

  it('waits for a holder that finishes within the wait', async () => {
    // The wait blocks this thread (it comes before anything else starts): the holder lets go by itself.
    child = await holdInChild(dataDir, 300);
    const lock = acquireDataDirLock(dataDir, { command: 'scan', waitMs: 20_000 });
    expect(lock.holder.pid).toBe(process.pid);
    lock.release();
  });

  it('is shared within one process, released by its last user, and leaves only the empty lock file', () => {
    const first = acquireDataDirLock(dataDir, { command: 'serve' });
    const second = acquireDataDirLock(dataDir, { command: 'scan' });
    expect(second.holder).toBe(first.holder);
    first.release();
    first.release();
    expect(existsSync(path.join(dataDir, HOLDER_FILE))).toBe(true);
    second.release();
    expect(readdirSync(dataDir)).toEqual(['pleura.lock']);
  });

  it('says what to check when the lock file cannot be used', () => {
    mkdirSync(path.join(dataDir, LOCK_FILE));
    expect(() => acquireDataDirLock(dataDir, { command: 'scan' })).toThrow(
      new RegExp(`^cannot take the data directory ${dataDir} \\(.*\\): check that .*pleura\\.lock and its folder are writable, or set PLEURA_DATA_DIR`),
    );
  });

  it('words a refusal for each kind of holder', () => {
    const since = '2026-03-01T10:00:00.000Z';
    expect(busyMessage('/d', { command: 'start', pid: 7, since })).toMatch(/^The Pleura workstation \(pid 7, since .*\) is using \/d; switch to its window, or quit it first\./);
    expect(busyMessage('/d', { command: 'scan', pid: 7, since })).toMatch(/^Pleura scan \(pid 7, since .*\) is using \/d; wait for it to finish/);
    expect(busyMessage('/d', null)).toMatch(/^Another Pleura process is using \/d; wait for it to finish/);
  });
});

// The pleura command's last word on a failure nobody expected: one line that says what failed and what to do; the
// stack only with PLEURA_DEBUG=1. Checked on the function and on the command as a user runs it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../main/api/contract';
import { failureMessage } from '../../../main/cli/failure-message';

const context = { command: 'scan', dataDir: '/home/ann/.config/Pleura', debug: false };

function sqliteError(code: string, message: string): Error {
  const error = new Error(message) as Error & { code: string };
  error.name = 'SqliteError';
  error.code = code;
  return error;
}

function errno(code: string, message: string, file?: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code, path: file });
}

describe('failureMessage', () => {
  it.each([
    [sqliteError('SQLITE_NOTADB', 'file is not a database'), /index\.sqlite is damaged; restart Pleura: it moves the damaged file aside/],
    [sqliteError('SQLITE_CORRUPT', 'database disk image is malformed'), /is damaged/],
    [sqliteError('SQLITE_BUSY', 'database is locked'), /is busy with another program; try again/],
    [sqliteError('SQLITE_FULL', 'database or disk is full'), /disk holding .* is full; free some space/],
    [sqliteError('SQLITE_READONLY', 'attempt to write a readonly database'), /cannot write the study index .*; check that its folder is writable/],
    [sqliteError('SQLITE_IOERR_WRITE', 'disk I/O error'), /a disk or file system error/],
    [errno('ENOSPC', 'no space left on device, write', '/out/a.dcm'), /disk is full: free some space/],
    [errno('EACCES', 'permission denied', '/out/a.dcm'), /no permission for \/out\/a\.dcm/],
    [errno('EROFS', 'read-only file system', '/mnt/x'), /no permission for \/mnt\/x/],
    [errno('ENOTDIR', 'not a directory, mkdir', '/data/file/sub'), /A file stands where a folder belongs \(\/data\/file\/sub\)/],
    [new TypeError("Cannot read properties of undefined (reading 'rows')"), /a bug or a problem with this machine/],
  ])('says what failed and what to do, on one line: %s', (error, advice) => {
    const message = failureMessage(error, context);
    expect(message).toMatch(/^pleura scan failed: /);
    expect(message).toContain(error.message.replace(/^E[A-Z]+: /, ''));
    expect(message).toMatch(advice);
    expect(message).toMatch(/PLEURA_DEBUG=1 shows the stack trace\.$/);
    expect(message).not.toContain('\n');
  });

  it('adds the stack with PLEURA_DEBUG', () => {
    const error = new Error('boom');
    const message = failureMessage(error, { ...context, debug: true });
    expect(message.split('\n')[0]).toMatch(/^pleura scan failed: boom\. This is a bug/);
    expect(message).toContain(error.stack);
    expect(message).not.toMatch(/PLEURA_DEBUG=1 shows/);
  });

  it("adds nothing to the services' own refusals", () => {
    expect(failureMessage(new ApiError('unavailable', 'no model is current: install one'), context)).toBe('pleura scan failed: no model is current: install one.');
  });

  it('says something for a thrown value that is not an Error', () => {
    expect(failureMessage('weird', { ...context, command: undefined })).toMatch(/^pleura failed: weird\. /);
  });
});

describe('the pleura command', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pleura-failure-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const root = path.resolve(import.meta.dirname, '../../..');

  /** A scan whose data directory is a file: the failure comes from below every service, at the very start. */
  function scanWithFileAsDataDir(debug: string) {
    const dataDir = path.join(dir, 'not-a-folder');
    writeFileSync(dataDir, 'a file where the data directory belongs');
    return spawnSync(process.execPath, ['--import', 'tsx', 'main/cli/pleura.ts', 'scan', dir], {
      cwd: root,
      env: { ...process.env, PLEURA_DEBUG: debug, PLEURA_DATA_DIR: dataDir },
      encoding: 'utf8',
    });
  }

  it('prints one line without a stack trace, saying what failed and what to do', () => {
    const run = scanWithFileAsDataDir('');
    expect(run.status).toBe(1);
    expect(run.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^pleura scan failed: .*not-a-folder.* PLEURA_DEBUG=1 shows the stack trace\.$/)]);
  });

  it('prints the stack with PLEURA_DEBUG=1', () => {
    const run = scanWithFileAsDataDir('1');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/\n\s+at /);
  });
});

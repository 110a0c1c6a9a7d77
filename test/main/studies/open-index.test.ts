import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../main/api/contract';
import { StudyIndex, type FileRecord } from '../../../main/studies/index-db';
import { explainIndexError, explainingIndexErrors, isCorruption } from '../../../main/studies/index-errors';
import { migrations } from '../../../main/studies/index-schema';
import { moveAside, openCheckedIndex } from '../../../main/studies/open-index';
import { instanceInfo } from '../../fixtures/instance-info';

const at = new Date('2026-03-01T10:20:30.456Z');

describe('openCheckedIndex', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pleura-open-index-'));
    file = path.join(dir, 'index.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('opens a sound index as it is', () => {
    StudyIndex.open(file).close();
    const { index, recovery } = openCheckedIndex(file);
    index.close();
    expect(recovery).toBeNull();
    expect(readdirSync(dir).filter((name) => name.includes('damaged'))).toEqual([]);
  });

  it('moves a file that is no database aside and starts a new index', () => {
    writeFileSync(file, 'this is not a database, it only carries its name'.repeat(100));
    const { index, recovery } = openCheckedIndex(file, () => at);
    try {
      expect(index.worklist()).toEqual([]);
      expect(index.quickCheck()).toBeNull();
    } finally {
      index.close();
    }
    const movedTo = path.join(dir, 'index.damaged-2026-03-01T10-20-30-456Z.sqlite');
    expect(recovery).toEqual({ at: at.toISOString(), problem: expect.stringMatching(/not a database/), movedTo, message: expect.stringContaining(movedTo) });
    expect(recovery!.message).toMatch(/^The study index was damaged \(.*\)\. It was moved to .* your folders are being scanned again\. Reviews, labels, settings and the audit log are kept/);
    expect(existsSync(movedTo)).toBe(true);
  });

  it('moveAside keeps the WAL and shared-memory files with their database', () => {
    for (const suffix of ['', '-wal', '-shm']) writeFileSync(file + suffix, suffix);
    const movedTo = moveAside(file, at);
    expect(readdirSync(dir).sort()).toEqual(['', '-shm', '-wal'].map((suffix) => path.basename(movedTo) + suffix).sort());
  });

  it('finds broken pages with quick_check and rebuilds', () => {
    const index = StudyIndex.open(file);
    const key = index.beginScan('s', '/d');
    const records: FileRecord[] = Array.from({ length: 400 }, (_, k) => {
      const p = `/d/${String(k).padStart(4, '0')}-${'x'.repeat(60)}.dcm`;
      return { path: p, root: '/d', size: 1, mtimeMs: 1, info: instanceInfo({ path: p, sopInstanceUid: `1.2.${k}` }) };
    });
    index.writeBatch(key, { unchanged: [], records });
    index.close();
    // Scribble over the middle of the file, as a failing disk or a copy cut short does.
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 4096 * 6);
    closeSync(fd);

    const { index: rebuilt, recovery } = openCheckedIndex(file, () => at);
    rebuilt.close();
    expect(recovery?.problem).toBeTruthy();
    expect(existsSync(recovery!.movedTo)).toBe(true);
  });

  it('explains an index written by a newer Pleura, and leaves it where it is', () => {
    StudyIndex.open(file).close();
    const db = new Database(file);
    db.prepare('INSERT INTO migrations (version, applied_at) VALUES (?, 0)').run(migrations.length + 1);
    db.close();
    expect(() => openCheckedIndex(file)).toThrow(ApiError);
    expect(() => openCheckedIndex(file)).toThrow(/written by a newer Pleura .*; use that version, or set PLEURA_DATA_DIR/);
    expect(readdirSync(dir).filter((name) => name.includes('damaged'))).toEqual([]);
  });
});

describe('explainIndexError', () => {
  const sqlite = (code: string) => Object.assign(new Error('raw sqlite text'), { name: 'SqliteError', code });

  it('says what to do for each kind of SQLite failure, and leaves other errors alone', () => {
    const cases: [string, RegExp][] = [
      ['SQLITE_BUSY', /is busy with another program; try again/],
      ['SQLITE_CORRUPT_INDEX', /is damaged; restart Pleura: it moves the damaged file aside and rebuilds/],
      ['SQLITE_NOTADB', /is damaged/],
      ['SQLITE_FULL', /disk holding the study index \/d\/index.sqlite is full; free some space/],
      ['SQLITE_READONLY_DBMOVED', /cannot write the study index .*PLEURA_DATA_DIR/],
      ['SQLITE_CANTOPEN', /cannot write the study index/],
      ['SQLITE_IOERR_SHORT_READ', /a disk or file system error/],
      ['SQLITE_MISMATCH', /failed \(SQLITE_MISMATCH\)/],
    ];
    for (const [code, message] of cases) {
      const explained = explainIndexError(sqlite(code), '/d/index.sqlite') as ApiError;
      expect(explained, code).toBeInstanceOf(ApiError);
      expect(explained).toMatchObject({ code: 'unavailable', details: { sqliteCode: code } });
      expect(explained.message, code).toMatch(message);
      expect(explained.message).not.toMatch(/raw sqlite text/);
    }
    const bug = new TypeError('x is undefined');
    expect(explainIndexError(bug, '/d/index.sqlite')).toBe(bug);
    expect(isCorruption(sqlite('SQLITE_CORRUPT'))).toBe(true);
    expect(isCorruption(sqlite('SQLITE_BUSY'))).toBe(false);
  });

  it('explainingIndexErrors wraps every handler', async () => {
    const handlers = explainingIndexErrors(
      {
        full: async () => {
          throw sqlite('SQLITE_FULL');
        },
        fine: async (n: number) => n + 1,
      },
      '/d/index.sqlite',
    );
    await expect(handlers.full()).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/is full/) });
    expect(await handlers.fine(6)).toBe(7);
  });
});

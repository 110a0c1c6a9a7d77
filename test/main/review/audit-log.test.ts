// The audit log's file is the record (JSON lines, only appended); the index's table is a copy that a new index
// gets back whole.
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditLogPath, openAuditLog, type NewAuditEntry } from '../../../main/review/audit-log';
import { migrate } from '../../../main/studies/index-schema';

const entry = (k: number): NewAuditEntry => ({
  at: new Date(Date.UTC(2026, 2, 1, 10, 0, k)),
  who: 'Dr Ada',
  action: k % 2 ? 'reject' : 'confirm',
  sopInstanceUid: `1.2.${k}`,
  studyInstanceUid: '1.2',
  models: ['m@1'],
  detail: `entry ${k}, with "quotes" and a comma`,
});

describe('the audit log', () => {
  let dir: string;
  let file: string;
  let indexes: Database.Database[];
  const newIndex = () => {
    const db = new Database(':memory:');
    migrate(db);
    indexes.push(db);
    return db;
  };
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pleura-audit-'));
    file = auditLogPath(dir);
    indexes = [];
  });
  afterEach(() => {
    for (const db of indexes) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes each entry as one JSON line, only ever appending, and lists them from the index', () => {
    const log = openAuditLog(newIndex(), file);
    const first = log.append(entry(1));
    const afterFirst = readFileSync(file, 'utf8');
    const second = log.append(entry(2));
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith(afterFirst)).toBe(true);
    expect(text.split('\n')).toEqual([JSON.stringify(first), JSON.stringify(second), '']);
    expect(first).toEqual({ ...entry(1), id: 1, at: '2026-03-01T10:00:01.000Z' });
    expect(log.list()).toEqual([second, first]);
    expect(log.list({ sopInstanceUid: '1.2.1' })).toEqual([first]);
  });

  it('comes back whole into a new index (a rebuild), and goes on numbering after it', () => {
    const old = openAuditLog(newIndex(), file);
    const written = [1, 2, 3].map((k) => old.append(entry(k)));
    const rebuilt = openAuditLog(newIndex(), file);
    expect(rebuilt.list()).toEqual(written.reverse());
    expect(rebuilt.append(entry(4)).id).toBe(4);
    // Reopened on the same index, nothing is copied twice.
    expect(openAuditLog(indexes[1], file).list()).toHaveLength(4);
  });

  it("writes an older index's entries to the file first", () => {
    const db = newIndex();
    db.prepare(`INSERT INTO audit_log (at, who, action, sop_instance_uid, study_instance_uid, models, detail)
      VALUES (0, 'Dr Old', 'settings', NULL, NULL, '[]', 'engine: auto → onnx')`).run();
    const log = openAuditLog(db, file);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ id: 1, who: 'Dr Old', detail: 'engine: auto → onnx' });
    log.append(entry(1));
    expect(openAuditLog(newIndex(), file).list().map((e) => e.who)).toEqual(['Dr Ada', 'Dr Old']);
  });

  it('passes over a line cut short by a crash, keeps it, and starts the next entry on a line of its own', () => {
    openAuditLog(newIndex(), file).append(entry(1));
    appendFileSync(file, '{"id":2,"at":"2026-03-01T10:00:02.000Z","who":"Dr');
    const log = openAuditLog(newIndex(), file);
    expect(log.list().map((e) => e.id)).toEqual([1]);
    log.append(entry(3));
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines[1]).toBe('{"id":2,"at":"2026-03-01T10:00:02.000Z","who":"Dr');
    expect(JSON.parse(lines[2])).toMatchObject({ id: 2, detail: 'entry 3, with "quotes" and a comma' });
    expect(openAuditLog(newIndex(), file).list().map((e) => e.detail)).toEqual([entry(3).detail, entry(1).detail]);
  });

  it('passes over a "line" of megabytes without holding it, and keeps the entries around it', () => {
    const log = openAuditLog(newIndex(), file);
    log.append(entry(1));
    appendFileSync(file, `${'x'.repeat(3 << 20)}${JSON.stringify({ ...log.list()[0], id: 7 })}\n`);
    const reopened = openAuditLog(newIndex(), file);
    reopened.append(entry(2));
    expect(openAuditLog(newIndex(), file).list().map((e) => e.id)).toEqual([2, 1]);
  });

  it('refuses the entry, in the index too, when the file cannot take it', () => {
    const db = newIndex();
    const log = openAuditLog(db, path.join(dir, 'no-such-folder', 'audit-log.jsonl'));
    expect(() => log.append(entry(1))).toThrow(/ENOENT/);
    expect(log.list()).toEqual([]);
  });
});

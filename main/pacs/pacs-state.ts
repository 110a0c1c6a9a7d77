// What Pleura remembers of its PACS work, in <dataDir>/pacs.sqlite (apart from the study index, which can be rebuilt
// from the files): which instances came from a PACS (retrieved or received, so their results go back there), which
// result versions were sent, this workstation's name in claims, and where polling left off. A killed process loses
// nothing: each row is written when its step has finished.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { PriorObject } from '../exports/result-objects';
import type { InstanceRef } from './peers';

export const PACS_STATE_FILE = 'pacs.sqlite';

/** what was sent: enough to name it as the predecessor of a later version */
export type PushedObject = PriorObject;

export interface PacsState {
  /** this workstation's name in claims: stable across restarts, unique across workstations */
  holder(): string;
  markReceived(ref: InstanceRef, source: string, file: string): void;
  /** the instances of these studies Pleura got from a PACS, by SOP Instance UID */
  received(studyInstanceUids: readonly string[]): Map<string, { source: string; path: string }>;
  isReceived(sopInstanceUid: string): boolean;
  /** every study with an instance from a PACS */
  receivedStudies(): string[];
  /** the objects sent for this result version of the source image; null when it was not sent */
  pushed(sopInstanceUid: string, version: string): PushedObject[] | null;
  /** how many result objects Pleura sent into this study (every version): they count as instances the PACS shows */
  sentObjectCount(studyInstanceUid: string): number;
  /** the latest version sent for the source image, to name as the predecessor of the next one */
  latestPush(sopInstanceUid: string): { version: string; objects: PushedObject[] } | null;
  markPushed(sopInstanceUid: string, version: string, objects: PushedObject[]): void;
  pollCursor(source: string): { lastPollAt: string; fromDate: string } | null;
  setPollCursor(source: string, cursor: { lastPollAt: string; fromDate: string }): void;
  close(): void;
}

/**
 * The state of <dataDir>/pacs.sqlite, opened on first need: a data directory that never met a PACS gets no file.
 * Until then every question has the empty answer.
 */
export function openPacsState(dataDir: string): PacsState {
  const file = path.join(dataDir, PACS_STATE_FILE);
  let opened: OpenState | null = null;
  const open = () => (opened ??= openStateFile(file));
  const ifOpen = () => opened ?? (existsSync(file) ? open() : null);
  return {
    holder: () => open().holder(),
    markReceived: (ref, source, target) => open().markReceived(ref, source, target),
    received: (studies) => ifOpen()?.received(studies) ?? new Map(),
    isReceived: (sop) => ifOpen()?.isReceived(sop) ?? false,
    receivedStudies: () => ifOpen()?.receivedStudies() ?? [],
    pushed: (sop, version) => ifOpen()?.pushed(sop, version) ?? null,
    sentObjectCount: (study) => ifOpen()?.sentObjectCount(study) ?? 0,
    latestPush: (sop) => ifOpen()?.latestPush(sop) ?? null,
    markPushed: (sop, version, objects) => open().markPushed(sop, version, objects),
    pollCursor: (source) => ifOpen()?.pollCursor(source) ?? null,
    setPollCursor: (source, cursor) => open().setPollCursor(source, cursor),
    close: () => opened?.close(),
  };
}

type OpenState = PacsState;

function openStateFile(file: string): OpenState {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 10000');
  db.exec(`
    CREATE TABLE IF NOT EXISTS received (
      sop_uid TEXT PRIMARY KEY,
      study_uid TEXT NOT NULL,
      series_uid TEXT NOT NULL,
      source TEXT NOT NULL,
      path TEXT NOT NULL,
      at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS received_study ON received(study_uid);
    CREATE TABLE IF NOT EXISTS pushed (
      sop_uid TEXT NOT NULL,
      version TEXT NOT NULL,
      objects TEXT NOT NULL,
      at INTEGER NOT NULL,
      PRIMARY KEY (sop_uid, version)
    );
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `);
  const getMeta = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
  const setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
  const insertReceived = db.prepare(
    'INSERT INTO received (sop_uid, study_uid, series_uid, source, path, at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(sop_uid) DO UPDATE SET path = excluded.path, source = excluded.source, at = excluded.at',
  );
  const receivedOfStudy = db.prepare<[string], { sop_uid: string; source: string; path: string }>('SELECT sop_uid, source, path FROM received WHERE study_uid = ?');
  const receivedStudies = db.prepare('SELECT DISTINCT study_uid FROM received').pluck();
  const isReceived = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM received WHERE sop_uid = ?');
  const pushedRow = db.prepare<[string, string], { objects: string }>('SELECT objects FROM pushed WHERE sop_uid = ? AND version = ?');
  const latest = db.prepare<[string], { version: string; objects: string }>('SELECT version, objects FROM pushed WHERE sop_uid = ? ORDER BY at DESC, rowid DESC LIMIT 1');
  const sentObjects = db.prepare<[string], { objects: string }>('SELECT p.objects FROM pushed p JOIN received r ON r.sop_uid = p.sop_uid WHERE r.study_uid = ?');
  const insertPushed = db.prepare('INSERT OR REPLACE INTO pushed (sop_uid, version, objects, at) VALUES (?, ?, ?, ?)');

  let holder = getMeta.get('holder')?.value;
  if (!holder) {
    holder = randomUUID();
    setMeta.run('holder', holder);
  }
  return {
    holder: () => holder,
    markReceived(ref, source, file) {
      insertReceived.run(ref.sopInstanceUid, ref.studyInstanceUid, ref.seriesInstanceUid, source, file, Date.now());
    },
    received(studyInstanceUids) {
      const found = new Map<string, { source: string; path: string }>();
      for (const uid of studyInstanceUids) for (const row of receivedOfStudy.all(uid)) found.set(row.sop_uid, { source: row.source, path: row.path });
      return found;
    },
    isReceived: (sopInstanceUid) => isReceived.get(sopInstanceUid) !== undefined,
    receivedStudies: () => receivedStudies.all() as string[],
    pushed(sopInstanceUid, version) {
      const row = pushedRow.get(sopInstanceUid, version);
      return row ? (JSON.parse(row.objects) as PushedObject[]) : null;
    },
    sentObjectCount(studyInstanceUid) {
      return sentObjects.all(studyInstanceUid).reduce((sum, row) => sum + (JSON.parse(row.objects) as PushedObject[]).length, 0);
    },
    latestPush(sopInstanceUid) {
      const row = latest.get(sopInstanceUid);
      return row ? { version: row.version, objects: JSON.parse(row.objects) as PushedObject[] } : null;
    },
    markPushed(sopInstanceUid, version, objects) {
      insertPushed.run(sopInstanceUid, version, JSON.stringify(objects), Date.now());
    },
    pollCursor(source) {
      const value = getMeta.get(`poll:${source}`)?.value;
      return value ? (JSON.parse(value) as { lastPollAt: string; fromDate: string }) : null;
    },
    setPollCursor(source, cursor) {
      setMeta.run(`poll:${source}`, JSON.stringify(cursor));
    },
    close: () => db.close(),
  };
}

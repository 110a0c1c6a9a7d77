// The study index: a SQLite file in the data directory (WAL, so the scan worker writes while the services read).
// It maps Patient → Study → Series → Instance and remembers every file it saw, with its size and mtime (to skip
// unchanged files on a rescan) and its error when it could not be indexed or decoded. A scan never deletes an
// instance: a file that turns bad keeps its instance (shown with its error), and a file a scan proved gone keeps it
// too, marked missing, so the verdict and the review on it survive until the file is back.
import Database from 'better-sqlite3';
import path from 'node:path';
import type { FileError, FileErrorCode, InstanceInfo, InstanceRow, SeriesRow, StudyDetail, StudyTriage, WorklistRow } from '../api/contract';
import { migrate } from './index-schema';

/** What the index knows about one file, enough to decide whether a rescan must read it again. */
export interface KnownFile {
  id: number;
  size: number;
  mtimeMs: number;
  status: 'ok' | 'error';
  errorCode: FileErrorCode | null;
  /** 1: not DICOM and never claimed to be; null: recorded before Pleura told those apart */
  skipped: 0 | 1 | null;
}

/** One file's outcome in a scan: its header, or why it could not be indexed (`skipped`: it is no image at all). */
export type FileRecord = { path: string; root: string; size: number; mtimeMs: number } & (
  | { info: InstanceInfo; error?: undefined; skipped?: undefined }
  | { error: FileError; info?: undefined; skipped?: boolean }
);

/** An indexed instance's file, for loading its pixels. */
export interface InstanceFile {
  instanceId: number;
  fileId: number;
  path: string;
  status: 'ok' | 'error';
  /** when a scan found the file gone (ms since the epoch); null while it is there */
  missingSince: number | null;
}

/** How an image whose file a scan found gone is shown: an error that says what is kept and how it comes back. */
export function missingFileError(filePath: string, missingSince: number): FileError {
  const since = new Date(missingSince).toISOString();
  return {
    path: filePath,
    code: 'missing',
    message: `the file is gone (missing since ${since}); its verdict, review and audit entries are kept, and it is shown again once the file is back and its folder rescanned`,
  };
}

export function studyStatus(imageCount: number, errorCount: number): WorklistRow['status'] {
  if (errorCount === 0) return 'ok';
  return errorCount >= imageCount ? 'error' : 'partial';
}

/** The [low, high) range of paths strictly inside `root`, so "under this folder" is an index range scan. */
export function pathRangeUnder(root: string): [string, string] {
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  const separator = prefix.charCodeAt(prefix.length - 1);
  return [prefix, prefix.slice(0, -1) + String.fromCharCode(separator + 1)];
}

type WorklistSqlRow = Omit<WorklistRow, 'status' | 'triage'> & { studyId: number };

/** A study's triage summary, its priority group on the worklist (lower first) and its rank in it (higher first), by Study Instance UID. */
export type StudyTriageSummaries = ReadonlyMap<string, { triage: StudyTriage | null; priority: number; rank: number }>;

// One query shape for the worklist and for a study's detail: they must agree on every count.
const worklistSelect = `
  SELECT st.id AS studyId, st.study_uid AS studyInstanceUid, p.patient_id AS patientId, p.patient_name AS patientName,
    st.study_date AS studyDate, st.study_description AS studyDescription, st.accession_number AS accessionNumber,
    group_concat(DISTINCT se.modality) AS modality, group_concat(DISTINCT i.view_position) AS view,
    count(i.id) AS imageCount, coalesce(sum(f.status = 'error' OR f.missing_since IS NOT NULL), 0) AS errorCount,
    (SELECT i2.id FROM series s2 JOIN instances i2 ON i2.series_ref = s2.id JOIN files f2 ON f2.id = i2.file_ref
      WHERE s2.study_ref = st.id AND f2.status = 'ok' AND f2.missing_since IS NULL
      ORDER BY s2.series_number IS NULL, s2.series_number, s2.series_uid, i2.instance_number IS NULL, i2.instance_number, f2.path
      LIMIT 1) AS firstInstanceId
  FROM studies st
  JOIN patients p ON p.id = st.patient_ref
  JOIN series se ON se.study_ref = st.id
  JOIN instances i ON i.series_ref = se.id
  JOIN files f ON f.id = i.file_ref`;

const worklistOrder = 'ORDER BY st.study_date IS NULL, st.study_date DESC, st.study_time DESC, p.patient_name, st.study_uid';

// Skipped files are no errors, and a missing file is shown on its study (missingFileError), not as a broken file.
const fileErrorSelect = `SELECT path, error_code AS code, error_message AS message FROM files
  WHERE status = 'error' AND coalesce(skipped, 0) = 0 AND missing_since IS NULL`;

function toWorklistRow({ studyId: _studyId, ...row }: WorklistSqlRow, triage: StudyTriageSummaries | undefined): WorklistRow {
  return { ...row, status: studyStatus(row.imageCount, row.errorCount), triage: triage?.get(row.studyInstanceUid)?.triage ?? null };
}

/**
 * The worklist in priority order: by the triage's priority group (suspected pneumothorax, then not yet known —
 * untriaged, pending, queued, running or stale —, then not flagged, not assessed, failed; main/triage decides
 * them), within a group by rank, highest first (score, else the model's peak: stale positives lead the
 * not-yet-known group), and then in the index's order (newest study first).
 */
export function byPriority(rows: readonly WorklistRow[], triage: StudyTriageSummaries): WorklistRow[] {
  const summary = (row: WorklistRow) => triage.get(row.studyInstanceUid) ?? { priority: 1, rank: -1 };
  // Array.prototype.sort is stable: equal keys keep the index's order.
  return [...rows].sort((a, b) => summary(a).priority - summary(b).priority || summary(b).rank - summary(a).rank);
}

type InstanceSqlRow = {
  seriesInstanceUid: string;
  seriesNumber: number | null;
  seriesDescription: string | null;
  modality: string | null;
  id: number;
  path: string;
  sopInstanceUid: string;
  instanceNumber: number | null;
  rows: number;
  columns: number;
  viewPosition: string | null;
  transferSyntaxUid: string;
  status: 'ok' | 'error';
  errorCode: FileErrorCode | null;
  errorMessage: string | null;
  missingSince: number | null;
};

function instanceError(row: InstanceSqlRow): FileError | null {
  if (row.missingSince !== null) return missingFileError(row.path, row.missingSince);
  if (row.status === 'error') return { path: row.path, code: row.errorCode ?? 'decode-failed', message: row.errorMessage ?? '' };
  return null;
}

function groupSeries(rows: InstanceSqlRow[]): SeriesRow[] {
  const series = new Map<string, SeriesRow>();
  for (const row of rows) {
    const { seriesInstanceUid, seriesNumber, seriesDescription, modality, errorCode: _code, errorMessage: _message, missingSince: _missing, ...instance } = row;
    let entry = series.get(seriesInstanceUid);
    if (!entry) series.set(seriesInstanceUid, (entry = { seriesInstanceUid, seriesNumber, seriesDescription, modality, instances: [] }));
    const error = instanceError(row);
    entry.instances.push({ ...instance, status: error ? 'error' : 'ok', error } satisfies InstanceRow);
  }
  return [...series.values()];
}

function patientKey(info: InstanceInfo): string {
  // Anonymised sets reuse IDs and names; only the pair tells two patients apart.
  return JSON.stringify([info.patientId, info.patientName]);
}

export class StudyIndex {
  private readonly db: Database.Database;
  private readonly statements;

  private constructor(db: Database.Database) {
    this.db = db;
    const prepare = (sql: string) => db.prepare(sql);
    this.statements = {
      knownFile: prepare('SELECT id, size, mtime_ms AS mtimeMs, status, error_code AS errorCode, skipped FROM files WHERE path = ?'),
      beginScan: prepare('INSERT INTO scans (scan_uid, root, started_at) VALUES (?, ?, ?) RETURNING id'),
      finishScan: prepare('UPDATE scans SET finished_at = ?, summary = ? WHERE id = ?'),
      touch: prepare('UPDATE files SET last_scan = ?, root = ?, missing_since = NULL WHERE id = ?'),
      markSeen: prepare('INSERT OR IGNORE INTO temp.scan_seen (scan, file) VALUES (?, ?)'),
      forgetSeen: prepare('DELETE FROM temp.scan_seen WHERE scan = ?'),
      upsertPatient: prepare(`
        INSERT INTO patients (patient_key, patient_id, patient_name, patient_sex, patient_birth_date)
        VALUES (@key, @patientId, @patientName, @patientSex, @patientBirthDate)
        ON CONFLICT (patient_key) DO UPDATE SET patient_sex = excluded.patient_sex, patient_birth_date = excluded.patient_birth_date
        RETURNING id`),
      upsertStudy: prepare(`
        INSERT INTO studies (study_uid, patient_ref, study_date, study_time, study_description, accession_number)
        VALUES (@studyInstanceUid, @patientRef, @studyDate, @studyTime, @studyDescription, @accessionNumber)
        ON CONFLICT (study_uid) DO UPDATE SET patient_ref = excluded.patient_ref, study_date = excluded.study_date,
          study_time = excluded.study_time, study_description = excluded.study_description, accession_number = excluded.accession_number
        RETURNING id`),
      upsertSeries: prepare(`
        INSERT INTO series (series_uid, study_ref, series_number, series_description, modality)
        VALUES (@seriesInstanceUid, @studyRef, @seriesNumber, @seriesDescription, @modality)
        ON CONFLICT (series_uid) DO UPDATE SET study_ref = excluded.study_ref, series_number = excluded.series_number,
          series_description = excluded.series_description, modality = excluded.modality
        RETURNING id`),
      upsertFile: prepare(`
        INSERT INTO files (path, root, size, mtime_ms, status, error_code, error_message, last_scan, skipped)
        VALUES (@path, @root, @size, @mtimeMs, @status, @errorCode, @errorMessage, @scan, @skipped)
        ON CONFLICT (path) DO UPDATE SET root = excluded.root, size = excluded.size, mtime_ms = excluded.mtime_ms,
          status = excluded.status, error_code = excluded.error_code, error_message = excluded.error_message,
          last_scan = excluded.last_scan, skipped = excluded.skipped, missing_since = NULL
        RETURNING id`),
      // Updating in place keeps an instance's id stable across rescans, so open viewers keep working.
      upsertInstance: prepare(`
        INSERT INTO instances (file_ref, series_ref, sop_instance_uid, instance_number, rows, columns, view_position, transfer_syntax_uid,
          sop_class_uid, body_part, image_type, manufacturer, burned_in_annotation, deidentification_method)
        VALUES (@fileRef, @seriesRef, @sopInstanceUid, @instanceNumber, @rows, @columns, @viewPosition, @transferSyntaxUid,
          @sopClassUid, @bodyPartExamined, @imageType, @manufacturer, @burnedInAnnotation, @deidentificationMethod)
        ON CONFLICT (file_ref) DO UPDATE SET series_ref = excluded.series_ref, sop_instance_uid = excluded.sop_instance_uid,
          instance_number = excluded.instance_number, rows = excluded.rows, columns = excluded.columns,
          view_position = excluded.view_position, transfer_syntax_uid = excluded.transfer_syntax_uid,
          sop_class_uid = excluded.sop_class_uid, body_part = excluded.body_part, image_type = excluded.image_type,
          manufacturer = excluded.manufacturer, burned_in_annotation = excluded.burned_in_annotation,
          deidentification_method = excluded.deidentification_method`),
      // In id order and by pages, so the clean-up after a scan that finds a whole folder gone stays small in memory.
      unseen: prepare(`
        SELECT f.id, f.path, EXISTS (SELECT 1 FROM instances WHERE file_ref = f.id) AS hasInstance FROM files f
        WHERE f.path >= @low AND f.path < @high AND f.missing_since IS NULL AND f.id > @after
          AND NOT EXISTS (SELECT 1 FROM temp.scan_seen s WHERE s.scan = @scan AND s.file = f.id)
        ORDER BY f.id LIMIT 500`),
      deleteFile: prepare('DELETE FROM files WHERE id = ?'),
      markMissing: prepare('UPDATE files SET missing_since = ? WHERE id = ?'),
      pruneSeries: prepare('DELETE FROM series WHERE NOT EXISTS (SELECT 1 FROM instances WHERE series_ref = series.id)'),
      pruneStudies: prepare('DELETE FROM studies WHERE NOT EXISTS (SELECT 1 FROM series WHERE study_ref = studies.id)'),
      prunePatients: prepare('DELETE FROM patients WHERE NOT EXISTS (SELECT 1 FROM studies WHERE patient_ref = patients.id)'),
      studiesUnder: prepare(`
        SELECT count(DISTINCT se.study_ref) AS n FROM files f JOIN instances i ON i.file_ref = f.id JOIN series se ON se.id = i.series_ref
        WHERE f.path >= ? AND f.path < ?`),
      worklist: prepare(`${worklistSelect} GROUP BY st.id ${worklistOrder}`),
      study: prepare(`${worklistSelect} WHERE st.study_uid = ? GROUP BY st.id`),
      studyInstances: prepare(`
        SELECT se.series_uid AS seriesInstanceUid, se.series_number AS seriesNumber, se.series_description AS seriesDescription,
          se.modality AS modality, i.id AS id, f.path AS path, i.sop_instance_uid AS sopInstanceUid,
          i.instance_number AS instanceNumber, i.rows AS rows, i.columns AS columns, i.view_position AS viewPosition,
          i.transfer_syntax_uid AS transferSyntaxUid, f.status AS status, f.error_code AS errorCode, f.error_message AS errorMessage,
          f.missing_since AS missingSince
        FROM series se JOIN instances i ON i.series_ref = se.id JOIN files f ON f.id = i.file_ref
        WHERE se.study_ref = ?
        ORDER BY se.series_number IS NULL, se.series_number, se.series_uid, i.instance_number IS NULL, i.instance_number, f.path`),
      fileErrors: prepare(`${fileErrorSelect} ORDER BY last_scan DESC, path`),
      fileErrorsUnder: prepare(`${fileErrorSelect} AND path >= ? AND path < ? ORDER BY last_scan DESC, path`),
      instanceFile: prepare(`
        SELECT i.id AS instanceId, f.id AS fileId, f.path AS path, f.status AS status, f.missing_since AS missingSince
        FROM instances i JOIN files f ON f.id = i.file_ref WHERE i.id = ?`),
      setFileStatus: prepare('UPDATE files SET status = ?, error_code = ?, error_message = ? WHERE id = ?'),
      roots: prepare('SELECT root FROM scans GROUP BY root ORDER BY max(id) DESC'),
      studySops: prepare(
        'SELECT i.sop_instance_uid FROM instances i JOIN series se ON se.id = i.series_ref JOIN studies st ON st.id = se.study_ref WHERE st.study_uid = ?',
      ).pluck(),
    };
  }

  /** Opens (creating if needed) the index file and brings its schema up to date. */
  static open(file: string): StudyIndex {
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      // WAL with NORMAL sync is durable across crashes of Pleura, and a rescan can rebuild anything lost to a power cut.
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 10000');
      migrate(db);
      // Which files each scan saw, for its clean-up: per connection (each scan worker has its own), so another
      // scan's work can never make a file look gone.
      db.exec('CREATE TEMP TABLE IF NOT EXISTS scan_seen (scan INTEGER NOT NULL, file INTEGER NOT NULL, PRIMARY KEY (scan, file)) WITHOUT ROWID');
      return new StudyIndex(db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  close(): void {
    this.db.close();
  }

  /** null when PRAGMA quick_check finds the file sound, else its first finding. */
  quickCheck(): string | null {
    const result = this.db.pragma('quick_check', { simple: true });
    return result === 'ok' ? null : String(result);
  }

  /** The connection, for the stores that keep their own tables in the index (triage results, audit log, settings). */
  get database(): Database.Database {
    return this.db;
  }

  knownFile(filePath: string): KnownFile | undefined {
    return this.statements.knownFile.get(filePath) as KnownFile | undefined;
  }

  /** Starts a scan; returns the key that marks the files this scan sees. */
  beginScan(scanUid: string, root: string): number {
    return (this.statements.beginScan.get(scanUid, root, Date.now()) as { id: number }).id;
  }

  finishScan(scanKey: number, summary: unknown): void {
    this.db.transaction(() => {
      this.statements.finishScan.run(Date.now(), JSON.stringify(summary), scanKey);
      this.statements.forgetSeen.run(scanKey);
    })();
  }

  /** Records one batch of a scan in a single transaction: files seen unchanged, and files read (or failed). */
  writeBatch(scanKey: number, batch: { unchanged: { id: number; root: string }[]; records: FileRecord[] }): void {
    this.db.transaction(() => {
      for (const file of batch.unchanged) {
        this.statements.touch.run(scanKey, file.root, file.id);
        this.statements.markSeen.run(scanKey, file.id);
      }
      // Files of one series come together: each patient, study and series is written once per batch, not per file.
      const parents = new Map<string, number>();
      for (const record of batch.records) this.writeRecord(scanKey, record, parents);
    })();
  }

  private writeRecord(scan: number, record: FileRecord, parents: Map<string, number>): void {
    const s = this.statements;
    const { path: filePath, root, size, mtimeMs, info, error } = record;
    const file = { path: filePath, root, size, mtimeMs, scan };
    if (error) {
      // An instance the file had stays, shown with this error: its verdict and review are not the scan's to delete.
      const { id } = s.upsertFile.get({ ...file, status: 'error', errorCode: error.code, errorMessage: error.message, skipped: record.skipped ? 1 : 0 }) as { id: number };
      s.markSeen.run(scan, id);
      return;
    }
    const once = (key: string, upsert: () => unknown) => {
      let id = parents.get(key);
      if (id === undefined) parents.set(key, (id = (upsert() as { id: number }).id));
      return id;
    };
    const key = patientKey(info);
    const patientRef = once(`patient ${key}`, () => s.upsertPatient.get({ key, ...info }));
    const studyRef = once(`study ${info.studyInstanceUid}`, () => s.upsertStudy.get({ ...info, patientRef }));
    const seriesRef = once(`series ${info.seriesInstanceUid}`, () => s.upsertSeries.get({ ...info, studyRef }));
    const fileRef = (s.upsertFile.get({ ...file, status: 'ok', errorCode: null, errorMessage: null, skipped: 0 }) as { id: number }).id;
    s.markSeen.run(scan, fileRef);
    s.upsertInstance.run({ ...info, fileRef, seriesRef });
  }

  /**
   * After a complete walk of `root`: the files under it this scan did not see and `provenGone` accepts (their
   * folder was listed to the end) are gone. A file with an instance is marked missing — its instance, verdict and
   * review stay —, one without (a broken or skipped file) is forgotten. Returns how many went.
   */
  forgetGone(root: string, scanKey: number, provenGone: (filePath: string) => boolean, now = Date.now()): number {
    const [low, high] = pathRangeUnder(root);
    return this.db.transaction(() => {
      let gone = 0;
      for (let after = 0; ; ) {
        const page = this.statements.unseen.all({ low, high, scan: scanKey, after }) as { id: number; path: string; hasInstance: 0 | 1 }[];
        if (page.length === 0) break;
        after = page[page.length - 1].id;
        for (const file of page.filter((row) => provenGone(row.path))) {
          if (file.hasInstance) this.statements.markMissing.run(now, file.id);
          else this.statements.deleteFile.run(file.id);
          gone++;
        }
      }
      this.pruneEmpty();
      return gone;
    })();
  }

  /** Drops series, studies and patients that no longer hold any instance (files re-read into other studies). */
  pruneEmpty(): void {
    this.db.transaction(() => {
      this.statements.pruneSeries.run();
      this.statements.pruneStudies.run();
      this.statements.prunePatients.run();
    })();
  }

  studyCountUnder(root: string): number {
    return (this.statements.studiesUnder.get(...pathRangeUnder(root)) as { n: number }).n;
  }

  /** Every study; with the triage summaries, each row carries its study's and the list is in priority order (byPriority). */
  worklist(triage?: StudyTriageSummaries): WorklistRow[] {
    const rows = (this.statements.worklist.all() as WorklistSqlRow[]).map((row) => toWorklistRow(row, triage));
    return triage ? byPriority(rows, triage) : rows;
  }

  detail(studyInstanceUid: string, triage?: StudyTriageSummaries): StudyDetail | null {
    const row = this.statements.study.get(studyInstanceUid) as WorklistSqlRow | undefined;
    if (!row) return null;
    const series = groupSeries(this.statements.studyInstances.all(row.studyId) as InstanceSqlRow[]);
    return { ...toWorklistRow(row, triage), series };
  }

  /** Files that could not be indexed or decoded, under `root` (default: everywhere), most recent scan first. */
  fileErrors(root?: string): FileError[] {
    const rows = root ? this.statements.fileErrorsUnder.all(...pathRangeUnder(root)) : this.statements.fileErrors.all();
    return rows as FileError[];
  }

  instanceFile(instanceId: number): InstanceFile | null {
    return (this.statements.instanceFile.get(instanceId) as InstanceFile | undefined) ?? null;
  }

  /** Records that an indexed file failed to decode (its study turns partial), or decoded again after a failure. */
  setFileError(fileId: number, error: FileError | null): void {
    this.statements.setFileStatus.run(error ? 'error' : 'ok', error?.code ?? null, error?.message ?? null, fileId);
  }

  /** The SOP Instance UIDs indexed for these studies (what a PACS need not send again). */
  instanceUidsOfStudies(studyInstanceUids: readonly string[]): Set<string> {
    const found = new Set<string>();
    for (const uid of studyInstanceUids) for (const sop of this.statements.studySops.all(uid) as string[]) found.add(sop);
    return found;
  }

  /** Folders scanned so far, most recent first. */
  roots(): string[] {
    return (this.statements.roots.all() as { root: string }[]).map((r) => r.root);
  }
}

/** Every readable, present file's path and its SOP Instance UID, by path (what training may read as unlabelled). */
export function readableInstanceFiles(db: Database.Database): { path: string; uid: string }[] {
  return db
    .prepare(`SELECT f.path AS path, i.sop_instance_uid AS uid FROM files f JOIN instances i ON i.file_ref = f.id WHERE f.status = 'ok' AND f.missing_since IS NULL ORDER BY f.path`)
    .all() as { path: string; uid: string }[];
}

/** The folders of every file in the index: a scan follows links, so some lie outside the scanned roots. */
export function indexedFolders(db: Database.Database): string[] {
  const folders = new Set<string>();
  for (const file of db.prepare('SELECT path FROM files').pluck().iterate() as IterableIterator<string>) folders.add(path.dirname(file));
  return [...folders];
}

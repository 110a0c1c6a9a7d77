// The study index's schema as an append-only list of migrations: a database records the versions it has applied,
// so an index written by an older Pleura is brought forward instead of being thrown away.
import type Database from 'better-sqlite3';

export const migrations: readonly string[] = [
  // 1: Patient → Study → Series → Instance, the files they come from, and the scans that saw those files.
  `
  CREATE TABLE patients (
    id INTEGER PRIMARY KEY,
    patient_key TEXT NOT NULL UNIQUE,
    patient_id TEXT,
    patient_name TEXT,
    patient_sex TEXT,
    patient_birth_date TEXT
  );
  CREATE TABLE studies (
    id INTEGER PRIMARY KEY,
    study_uid TEXT NOT NULL UNIQUE,
    patient_ref INTEGER NOT NULL REFERENCES patients(id),
    study_date TEXT,
    study_time TEXT,
    study_description TEXT,
    accession_number TEXT
  );
  CREATE INDEX studies_patient ON studies(patient_ref);
  CREATE TABLE series (
    id INTEGER PRIMARY KEY,
    series_uid TEXT NOT NULL UNIQUE,
    study_ref INTEGER NOT NULL REFERENCES studies(id),
    series_number REAL,
    series_description TEXT,
    modality TEXT
  );
  CREATE INDEX series_study ON series(study_ref);
  CREATE TABLE scans (
    id INTEGER PRIMARY KEY,
    scan_uid TEXT NOT NULL UNIQUE,
    root TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    summary TEXT
  );
  CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    root TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ms REAL NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'error')),
    error_code TEXT,
    error_message TEXT,
    last_scan INTEGER NOT NULL REFERENCES scans(id)
  );
  CREATE INDEX files_error ON files(status) WHERE status = 'error';
  -- An instance is what one file holds; it goes when its file goes. Keyed by file, not by SOP Instance UID: the
  -- same image in several encodings (or copies) must all stay listed and loadable.
  CREATE TABLE instances (
    id INTEGER PRIMARY KEY,
    file_ref INTEGER NOT NULL UNIQUE REFERENCES files(id) ON DELETE CASCADE,
    series_ref INTEGER NOT NULL REFERENCES series(id),
    sop_instance_uid TEXT NOT NULL,
    instance_number REAL,
    rows INTEGER NOT NULL,
    columns INTEGER NOT NULL,
    view_position TEXT,
    transfer_syntax_uid TEXT NOT NULL
  );
  CREATE INDEX instances_series ON instances(series_ref);
  `,
];

/** Applies the migrations this database lacks; safe when several connections open the same file at once. */
export function migrate(db: Database.Database): number {
  db.exec('CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const apply = db.transaction(() => {
    const current = (db.prepare('SELECT max(version) AS v FROM migrations').get() as { v: number | null }).v ?? 0;
    if (current > migrations.length) {
      throw new Error(`the study index was written by a newer Pleura (schema ${current}, this one knows ${migrations.length})`);
    }
    for (let version = current + 1; version <= migrations.length; version++) {
      db.exec(migrations[version - 1]);
      db.prepare('INSERT INTO migrations (version, applied_at) VALUES (?, ?)').run(version, Date.now());
    }
    return migrations.length;
  });
  // IMMEDIATE takes the write lock before reading the version, so two openers cannot both apply a migration.
  return apply.immediate();
}

// The study index's schema as an append-only list of migrations: a database records the versions it has applied,
// so an index written by an older Pleura is brought forward instead of being thrown away.
import type Database from 'better-sqlite3';
import { ApiError } from '../api/contract';

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
  // 2: The workstation's triage: one verdict per instance (gone with its instance: a changed file is triaged
  // afresh), the review of it, the audit log (kept by UID: it outlives files), and the workstation's settings.
  `
  CREATE TABLE triage_results (
    instance_ref INTEGER PRIMARY KEY REFERENCES instances(id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'triaged', 'error')),
    -- what made the verdict: a result whose config_key differs from the current one is stale
    config_key TEXT NOT NULL,
    models TEXT NOT NULL,
    rule TEXT,
    flag TEXT CHECK (flag IN ('positive', 'negative')),
    score REAL,
    area_pixels INTEGER,
    area_mm2 REAL,
    side TEXT,
    findings TEXT,
    mask_rows INTEGER,
    mask_columns INTEGER,
    mask_rle TEXT,
    heatmap_rows INTEGER,
    heatmap_columns INTEGER,
    heatmap BLOB,
    error_code TEXT,
    error_message TEXT,
    triaged_at INTEGER,
    review_decision TEXT CHECK (review_decision IN ('confirmed', 'rejected', 'edited')),
    reviewer TEXT,
    reviewed_at INTEGER,
    review_mask_rle TEXT
  );
  CREATE INDEX triage_results_score ON triage_results(score);
  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    sop_instance_uid TEXT,
    study_instance_uid TEXT,
    models TEXT NOT NULL,
    detail TEXT NOT NULL
  );
  CREATE INDEX audit_log_sop ON audit_log(sop_instance_uid);
  CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // 3: A scan never deletes history. A file a scan proved gone keeps its row, instance, verdict and review, marked
  // missing (ms since the epoch) until it is back. Files that are not DICOM and never claimed to be are recorded as
  // skipped (1), not as errors (NULL: recorded before the distinction; read once more). What lives outside the index
  // comes back into it after a rebuild: reviews read from the label files wait here for their image's next verdict,
  // and the audit log's file is copied into audit_log up to a byte offset. Settings moved to settings.json.
  `
  ALTER TABLE files ADD COLUMN missing_since INTEGER;
  ALTER TABLE files ADD COLUMN skipped INTEGER;
  CREATE TABLE restored_reviews (
    sop_instance_uid TEXT PRIMARY KEY,
    decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'rejected', 'edited')),
    reviewer TEXT NOT NULL,
    reviewed_at INTEGER NOT NULL,
    mask_rle TEXT
  );
  CREATE TABLE audit_log_copied (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    bytes INTEGER NOT NULL
  );
  `,
  // 4: Triage as a triage device: what decides an image's intended use (its SOP class and the tags that say it is
  // derived, and whether it is one of Pleura's synthetic phantoms), read again by the next scan of every file indexed
  // before (mtime -1 never matches); a verdict's peak probability and the condition of the rule that kept it below
  // the flag; the image's pixel spacing and column direction, and the reviewed mask's own area, side and score, so
  // an edit is measured as the model's mask was. flag keeps its stored 'negative': results-store maps it to 'not-flagged'.
  `
  ALTER TABLE instances ADD COLUMN sop_class_uid TEXT;
  ALTER TABLE instances ADD COLUMN body_part TEXT;
  ALTER TABLE instances ADD COLUMN image_type TEXT;
  ALTER TABLE instances ADD COLUMN manufacturer TEXT;
  ALTER TABLE instances ADD COLUMN burned_in_annotation TEXT;
  ALTER TABLE instances ADD COLUMN deidentification_method TEXT;
  UPDATE files SET mtime_ms = -1 WHERE status = 'ok';
  ALTER TABLE triage_results ADD COLUMN max_probability REAL;
  ALTER TABLE triage_results ADD COLUMN held_back TEXT;
  ALTER TABLE triage_results ADD COLUMN spacing_row REAL;
  ALTER TABLE triage_results ADD COLUMN spacing_column REAL;
  ALTER TABLE triage_results ADD COLUMN column_direction TEXT;
  ALTER TABLE triage_results ADD COLUMN review_score REAL;
  ALTER TABLE triage_results ADD COLUMN review_area_pixels INTEGER;
  ALTER TABLE triage_results ADD COLUMN review_area_mm2 REAL;
  ALTER TABLE triage_results ADD COLUMN review_side TEXT;
  `,
];

/** Applies the migrations this database lacks; safe when several connections open the same file at once. */
export function migrate(db: Database.Database): number {
  db.exec('CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const apply = db.transaction(() => {
    const current = (db.prepare('SELECT max(version) AS v FROM migrations').get() as { v: number | null }).v ?? 0;
    if (current > migrations.length) {
      throw new ApiError(
        'unavailable',
        `the study index was written by a newer Pleura (schema ${current}, this one knows ${migrations.length}); use that version, or set PLEURA_DATA_DIR to another folder`,
      );
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

// The audit log: who did what to which image, when, with which model versions. Rows are only ever appended and are
// kept by UID, not by instance row, so they outlive a rescan or a deleted file.
import type Database from 'better-sqlite3';
import type { AuditAction, AuditEntry } from '../api/contract';

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at'> & { at?: Date };

export interface AuditLog {
  append(entry: NewAuditEntry): AuditEntry;
  /** Newest first; only the image's entries when a SOP Instance UID is given. */
  list(options?: { sopInstanceUid?: string; limit?: number }): AuditEntry[];
}

type AuditRow = {
  id: number;
  at: number;
  who: string;
  action: AuditAction;
  sopInstanceUid: string | null;
  studyInstanceUid: string | null;
  models: string;
  detail: string;
};

const SELECT = `SELECT id, at, who, action, sop_instance_uid AS sopInstanceUid, study_instance_uid AS studyInstanceUid, models, detail
  FROM audit_log`;

export function createAuditLog(db: Database.Database): AuditLog {
  const insert = db.prepare(`INSERT INTO audit_log (at, who, action, sop_instance_uid, study_instance_uid, models, detail)
    VALUES (@at, @who, @action, @sopInstanceUid, @studyInstanceUid, @models, @detail) RETURNING id`);
  // Entries written in the same millisecond keep their order through the id.
  const all = db.prepare(`${SELECT} ORDER BY at DESC, id DESC LIMIT ?`);
  const ofImage = db.prepare(`${SELECT} WHERE sop_instance_uid = ? ORDER BY at DESC, id DESC LIMIT ?`);

  return {
    append(entry) {
      const at = (entry.at ?? new Date()).getTime();
      const row = { ...entry, at, models: JSON.stringify(entry.models) };
      const { id } = insert.get(row) as { id: number };
      return toEntry({ ...row, id });
    },
    list({ sopInstanceUid, limit } = {}) {
      const rows = (sopInstanceUid === undefined ? all.all(limit ?? -1) : ofImage.all(sopInstanceUid, limit ?? -1)) as AuditRow[];
      return rows.map(toEntry);
    },
  };
}

function toEntry(row: AuditRow): AuditEntry {
  return { ...row, at: new Date(row.at).toISOString(), models: JSON.parse(row.models) as string[] };
}

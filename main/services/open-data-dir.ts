// Taking the data directory at start, in the order that keeps it whole: the lock first (nothing is read or written
// while another Pleura holds it), then the study index, checked and rebuilt if damaged, then what lives beside the
// index and outlives it — the audit log's file, the folders scanned, the settings.
import type { IndexRecovery } from '../api/contract';
import { auditLogPath, openAuditLog, type AuditLog } from '../review/audit-log';
import { defaultSettings, openSettingsStore, settingsFromIndex, settingsPath, type SettingsStore } from '../settings/settings-store';
import type { StudyIndex } from '../studies/index-db';
import { openCheckedIndex } from '../studies/open-index';
import { acquireDataDirLock, type DataDirLock, type LockRequest } from './data-dir-lock';
import { ensureDataDir, indexPath } from './data-dir';
import { openScannedRoots, type ScannedRoots } from './scanned-roots';

export interface DataDir {
  lock: DataDirLock;
  index: StudyIndex;
  indexFile: string;
  /** set when the index was damaged and a new one started: the rebuild's rescans and review restoring follow */
  recovery: IndexRecovery | null;
  audit: AuditLog;
  roots: ScannedRoots;
  settings: SettingsStore;
  /** Closes the index and gives the lock up. */
  close(): void;
}

/** Throws DataDirBusyError when another process holds it, or an ApiError saying why the index cannot be opened. */
export function openDataDir(dataDir: string, request: LockRequest): DataDir {
  ensureDataDir(dataDir);
  const lock = acquireDataDirLock(dataDir, request);
  const indexFile = indexPath(dataDir);
  let opened: ReturnType<typeof openCheckedIndex> | undefined;
  try {
    opened = openCheckedIndex(indexFile);
    const { index, recovery } = opened;
    return {
      lock,
      index,
      indexFile,
      recovery,
      audit: openAuditLog(index.database, auditLogPath(dataDir)),
      roots: openScannedRoots(dataDir, () => index.roots()),
      settings: openSettingsStore(settingsPath(dataDir), defaultSettings(), () => settingsFromIndex(index.database)),
      close() {
        index.close();
        lock.release();
      },
    };
  } catch (error) {
    opened?.index.close();
    lock.release();
    throw error;
  }
}

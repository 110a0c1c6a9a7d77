// Opening the study index at start: checked (PRAGMA quick_check), and when damaged — unreadable as a database, or
// with broken pages — moved aside with its WAL and shared-memory files and replaced by a new, empty one. The index
// is rebuilt by rescanning: what cannot be rebuilt (reviews in the label files, the audit log, settings, the roots
// scanned) lives outside it. Any other failure (busy, read-only, a newer schema) is explained, never rebuilt.
import { existsSync, renameSync } from 'node:fs';
import path from 'node:path';
import type { IndexRecovery } from '../api/contract';
import { StudyIndex } from './index-db';
import { explainIndexError, isCorruption } from './index-errors';


const SIDE_FILES = ['', '-wal', '-shm', '-journal'];

/** The damaged index's files renamed to `<name>.damaged-<time><suffix>`, kept together so they open as one. */
export function moveAside(indexFile: string, at: Date): string {
  const stamp = at.toISOString().replace(/[:.]/g, '-');
  const { dir, name, ext } = path.parse(indexFile);
  const target = path.join(dir, `${name}.damaged-${stamp}${ext}`);
  for (const suffix of SIDE_FILES) {
    if (existsSync(indexFile + suffix)) renameSync(indexFile + suffix, target + suffix);
  }
  return target;
}

/** Opens the index, or throws the reason it is damaged (an SQLite corruption code, or quick_check's first finding). */
function openChecked(indexFile: string): StudyIndex {
  const index = StudyIndex.open(indexFile);
  let problem: string | null;
  try {
    problem = index.quickCheck();
  } catch (error) {
    index.close();
    throw error;
  }
  if (problem === null) return index;
  index.close();
  throw Object.assign(new Error(problem), { code: 'SQLITE_CORRUPT' });
}

export function openCheckedIndex(indexFile: string, now: () => Date = () => new Date()): { index: StudyIndex; recovery: IndexRecovery | null } {
  try {
    return { index: openChecked(indexFile), recovery: null };
  } catch (error) {
    if (!isCorruption(error)) throw explainIndexError(error, indexFile);
    const at = now();
    const movedTo = moveAside(indexFile, at);
    const problem = (error as Error).message;
    const message =
      `The study index was damaged (${problem}). It was moved to ${movedTo} and a new one was started; ` +
      'your folders are being scanned again. Reviews, labels, settings and the audit log are kept outside the index and come back with it.';
    return { index: StudyIndex.open(indexFile), recovery: { at: at.toISOString(), problem, movedTo, message } };
  }
}

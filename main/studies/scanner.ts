// One scan of one folder into the index: walk, skip what is unchanged, read the headers of the rest, record each
// file's outcome (a bad file is recorded with its error and the scan goes on; a file that is no image at all is
// counted as skipped), and mark what the walk proved gone. It runs wherever it is called; the services call it
// inside a worker thread (scan.worker.ts).
import path from 'node:path';
import type { FileError, ScanProgress, ScanSummary } from '../api/contract';
import { readInstanceInfo } from './dicom';
import { DicomFileError } from './dicom/errors';
import type { FileRecord, KnownFile, StudyIndex } from './index-db';
import { isNotAnImage } from './skip-rules';
import { walkFiles, type WalkEntry } from './walk';

export interface ScanOptions {
  root: string;
  scanId: string;
  onProgress?: (progress: ScanProgress) => void;
  /** Polled between files; a cancelled scan keeps what it recorded and removes nothing. */
  isCancelled?: () => boolean;
  /** Header reads in flight at once: enough to hide file-system latency, few enough to bound memory. */
  concurrency?: number;
  progressIntervalMs?: number;
}

type Counts = Omit<ScanSummary, 'scanId' | 'root' | 'removed' | 'studies' | 'durationMs' | 'cancelled'>;

/** True when `now` is at least `intervalMs` after the last time it said true. */
export function createThrottle(intervalMs: number, now: () => number = () => performance.now()): () => boolean {
  let last = -Infinity;
  return () => {
    const t = now();
    if (t - last < intervalMs) return false;
    last = t;
    return true;
  };
}

/**
 * A file is read again when it is new, its size or mtime changed, or it could not be opened last time (a
 * permission fix does not change the mtime). Files rejected for their content stay rejected until they change —
 * except those rejected before skipped files were told apart from broken ones, read once more to tell which.
 */
export function needsRead(known: KnownFile | undefined, entry: { size: number; mtimeMs: number }): boolean {
  if (!known || known.size !== entry.size || known.mtimeMs !== entry.mtimeMs) return true;
  return known.errorCode === 'unreadable' || (known.errorCode === 'not-dicom' && known.skipped === null);
}

/**
 * Whether a file the walk did not see is proven gone: not when it lies in (or is) something the walk could not
 * examine — a folder that failed to open or broke off mid-listing, a link it could not follow.
 */
export function provenGone(root: string, unexamined: ReadonlySet<string>): (filePath: string) => boolean {
  return (filePath) => {
    for (let at = filePath; at !== root && at.length > root.length; at = path.dirname(at)) {
      if (unexamined.has(at)) return false;
    }
    return true;
  };
}

/** Collects a scan's writes and commits them in one transaction per batch: thousands of files per second. */
class BatchWriter {
  private unchanged: { id: number; root: string }[] = [];
  private records: FileRecord[] = [];
  private readonly due: () => boolean;

  constructor(
    private readonly index: StudyIndex,
    private readonly scanKey: number,
    private readonly root: string,
    private readonly maxBatch = 500,
    // Committing at least this often lets the worklist fill while a slow folder (a network share) is read.
    maxDelayMs = 250,
  ) {
    this.due = createThrottle(maxDelayMs);
    this.due();
  }

  touch(file: KnownFile): void {
    this.unchanged.push({ id: file.id, root: this.root });
    this.maybeFlush();
  }

  record(record: FileRecord): void {
    this.records.push(record);
    this.maybeFlush();
  }

  flush(): void {
    if (this.unchanged.length === 0 && this.records.length === 0) return;
    this.index.writeBatch(this.scanKey, { unchanged: this.unchanged, records: this.records });
    this.unchanged = [];
    this.records = [];
  }

  private maybeFlush(): void {
    if (this.unchanged.length + this.records.length >= this.maxBatch || this.due()) this.flush();
  }
}

function unexaminedError(entry: Extract<WalkEntry, { folder: boolean }>): FileError {
  if (!entry.folder) return DicomFileError.from(entry.error, entry.path).toFileError();
  const reason = `${entry.error.code ?? 'error'}: ${entry.error.message}`;
  return { path: entry.path, code: 'unreadable', message: `cannot list the folder (${reason}); what it holds is kept as last scanned` };
}

async function readRecord(entry: WalkEntry, root: string): Promise<FileRecord> {
  if (entry.error) {
    // Never examined: recorded with an impossible size so the next scan tries it again.
    return { path: entry.path, root, size: -1, mtimeMs: -1, error: unexaminedError(entry) };
  }
  const base = { path: entry.path, root, size: entry.size, mtimeMs: entry.mtimeMs };
  try {
    return { ...base, info: await readInstanceInfo(entry.path) };
  } catch (failure) {
    const error = DicomFileError.from(failure, entry.path).toFileError();
    return { ...base, error, skipped: await isNotAnImage(entry.path, error) };
  }
}

export async function runScan(index: StudyIndex, options: ScanOptions): Promise<ScanSummary> {
  const { root, scanId, onProgress, isCancelled = () => false, concurrency = 8, progressIntervalMs = 100 } = options;
  const started = performance.now();
  const scanKey = index.beginScan(scanId, root);
  const writer = new BatchWriter(index, scanKey, root);
  const counts: Counts = { filesSeen: 0, filesRead: 0, unchanged: 0, added: 0, updated: 0, errors: 0, skipped: 0 };
  let filesDone = 0;
  let phase: ScanProgress['phase'] = 'listing';
  let currentPath: string | null = null;
  let cancelled = false;
  const progressDue = createThrottle(progressIntervalMs);
  const report = (force = false) => {
    if (onProgress && (force || progressDue())) {
      onProgress({ scanId, root, phase, filesSeen: counts.filesSeen, filesDone, errors: counts.errors, currentPath });
    }
  };

  const unexamined = new Set<string>();
  async function handle(entry: WalkEntry): Promise<void> {
    const known = index.knownFile(entry.path);
    if (!entry.error && !needsRead(known, entry)) {
      if (known!.skipped) counts.skipped++;
      else {
        counts.unchanged++;
        if (known!.status === 'error') counts.errors++;
      }
      writer.touch(known!);
      return;
    }
    currentPath = entry.path;
    if (entry.error) unexamined.add(entry.path);
    else counts.filesRead++;
    const record = await readRecord(entry, root);
    if (record.skipped) counts.skipped++;
    else {
      if (known) counts.updated++;
      else counts.added++;
      if (record.error) counts.errors++;
    }
    writer.record(record);
  }

  const entries = walkFiles(root, {
    onSkipped: () => {
      counts.filesSeen++;
      counts.skipped++;
      filesDone++;
    },
  });
  // Several lanes pull from the one walk (an async generator queues their requests), so reads overlap.
  async function lane(): Promise<void> {
    for (;;) {
      if (isCancelled()) {
        cancelled = true;
        return;
      }
      const step = await entries.next();
      if (step.done) {
        phase = 'reading';
        return;
      }
      counts.filesSeen++;
      await handle(step.value);
      filesDone++;
      report();
    }
  }

  report(true);
  try {
    await Promise.all(Array.from({ length: concurrency }, lane));
  } finally {
    await entries.return(undefined);
    writer.flush();
  }
  // A cancelled scan did not see everything, so it cannot tell what was removed.
  const removed = cancelled ? 0 : index.forgetGone(root, scanKey, provenGone(root, unexamined));
  if (cancelled) index.pruneEmpty();
  const summary: ScanSummary = {
    scanId,
    root,
    ...counts,
    removed,
    studies: index.studyCountUnder(root),
    durationMs: Math.round(performance.now() - started),
    cancelled,
  };
  index.finishScan(scanKey, summary);
  phase = 'done';
  currentPath = null;
  report(true);
  return summary;
}

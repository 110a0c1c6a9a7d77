// The studies and images methods of the API: scans run in worker threads, queries read the index, images are
// decoded by the decode pool (the one decode path) and a file that fails to decode is marked in the index. Scans of
// overlapping folders (the same, or one inside the other) run one after another; others run side by side.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { ApiError, type ApiHandlers, type DecodedImage, type ScanSummary } from '../api/contract';
import type { EventHub } from '../api/events';
import { isWithin } from '../fs/contained-path';
import { openablePath } from '../fs/fs-path';
import { requestedPathProblem } from '../fs/requested-path';
import { DicomFileError } from '../studies/dicom/errors';
import { missingFileError, type StudyIndex, type StudyTriageSummaries } from '../studies/index-db';
import { scanInWorker, type RunningScan } from '../studies/scan-in-worker';
import type { ScannedRoots } from './scanned-roots';

export type StudiesHandlers = Pick<
  ApiHandlers,
  'studies.scan' | 'studies.cancelScan' | 'studies.worklist' | 'studies.detail' | 'studies.fileErrors' | 'images.load'
>;

export interface ImageDecoder {
  decode(path: string): Promise<DecodedImage>;
}

export interface StudiesServiceOptions {
  index: StudyIndex;
  /** The index file, opened again by each scan worker. */
  indexFile: string;
  events: EventHub;
  decoder: () => ImageDecoder;
  /** Each study's triage summary: with it the worklist carries the triage and is in priority order. */
  triageSummaries?: () => Promise<StudyTriageSummaries>;
  roots: ScannedRoots;
}

export interface StudiesService {
  handlers: StudiesHandlers;
  /** Folders scanned so far, most recent first. */
  roots(): string[];
  /** Cancels the scans in flight and waits for them to stop. */
  close(): Promise<void>;
}

/** The folder to scan, as an absolute normalised path, or an 'invalid-argument' error saying what is wrong. */
export async function resolveScanRoot(requested: string): Promise<string> {
  if (!path.isAbsolute(requested)) {
    throw new ApiError('invalid-argument', `the folder to scan must be an absolute path; got "${requested}"`);
  }
  const problem = requestedPathProblem(requested);
  if (problem) throw new ApiError('invalid-argument', `cannot scan ${JSON.stringify(requested)}: ${problem}`);
  const root = path.resolve(requested);
  // A folder whose name is not UTF-8 is named as Pleura shows it (Latin-1) and found by its bytes.
  const real = await openablePath(root);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(real)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such folder' : `cannot access it (${code ?? (error as Error).message})`;
    throw new ApiError('invalid-argument', `cannot scan "${root}": ${reason}`);
  }
  if (!isDirectory) throw new ApiError('invalid-argument', `cannot scan "${root}": it is a file, not a folder`);
  try {
    await access(real, constants.R_OK | constants.X_OK);
  } catch {
    throw new ApiError('invalid-argument', `cannot scan "${root}": the folder is not readable (check its permissions)`);
  }
  return root;
}

/** Folders whose scans touch the same files: one is the other, or inside it. */
export function overlap(a: string, b: string): boolean {
  return isWithin(a, b) || isWithin(b, a);
}

export function createStudiesService({ index, indexFile, events, decoder, triageSummaries, roots }: StudiesServiceOptions): StudiesService {
  /** Scans waiting for an overlapping one to finish, and scans running, by id. */
  const scans = new Map<string, RunningScan>();
  let closing = false;

  /** A scan that did not run: cancelled while it waited for an overlapping one. */
  const notRun = (scanId: string, root: string): ScanSummary => ({
    scanId,
    root,
    filesSeen: 0,
    filesRead: 0,
    unchanged: 0,
    added: 0,
    updated: 0,
    removed: 0,
    errors: 0,
    skipped: 0,
    studies: index.studyCountUnder(root),
    durationMs: 0,
    cancelled: true,
  });

  function queueScan(root: string): RunningScan {
    const scanId = randomUUID();
    const overlapping = [...scans.values()].filter((scan) => overlap(scan.root, root)).map((scan) => scan.done);
    let cancelled = false;
    let worker: RunningScan | undefined;
    const done = (async () => {
      await Promise.allSettled(overlapping);
      if (cancelled) return notRun(scanId, root);
      await roots.add(root);
      worker = scanInWorker({ indexFile, root, scanId }, (progress) => events.emit('scan.progress', progress));
      if (cancelled) worker.cancel();
      return worker.done;
    })();
    const scan: RunningScan = {
      scanId,
      root,
      done,
      cancel() {
        cancelled = true;
        worker?.cancel();
      },
    };
    scans.set(scanId, scan);
    done.then(
      (summary) => events.emit('scan.done', summary),
      () => {},
    );
    done.finally(() => scans.delete(scanId)).catch(() => {});
    return scan;
  }

  const handlers: StudiesHandlers = {
    async 'studies.scan'({ path: requested }): Promise<ScanSummary> {
      const root = await resolveScanRoot(requested);
      if (closing) throw new ApiError('unavailable', `not scanning ${root}: Pleura is closing`);
      // A second request for a folder already being scanned (or waiting to be) joins that scan.
      const running = [...scans.values()].find((scan) => scan.root === root) ?? queueScan(root);
      try {
        return await running.done;
      } catch (error) {
        throw new ApiError('failed', (error as Error).message);
      }
    },

    async 'studies.cancelScan'({ scanId }) {
      const scan = scans.get(scanId);
      scan?.cancel();
      return { cancelled: scan !== undefined };
    },

    async 'studies.worklist'() {
      return index.worklist(await triageSummaries?.());
    },

    async 'studies.detail'({ studyInstanceUid }) {
      const detail = index.detail(studyInstanceUid, await triageSummaries?.());
      if (!detail) throw new ApiError('not-found', `no study with Study Instance UID ${studyInstanceUid} is indexed`);
      return detail;
    },

    async 'studies.fileErrors'({ root }) {
      return index.fileErrors(root === undefined ? undefined : path.resolve(root));
    },

    async 'images.load'({ instanceId }) {
      const file = index.instanceFile(instanceId);
      if (!file) throw new ApiError('not-found', `no indexed image has id ${instanceId}; rescan its folder`);
      if (file.missingSince !== null) {
        const fileError = missingFileError(file.path, file.missingSince);
        throw new ApiError('failed', `cannot load ${file.path}: ${fileError.message}`, { fileError });
      }
      try {
        const image = await decoder().decode(file.path);
        if (file.status === 'error') index.setFileError(file.fileId, null);
        return image;
      } catch (error) {
        const fileError = DicomFileError.from(error, file.path).toFileError();
        index.setFileError(file.fileId, fileError);
        throw new ApiError('failed', `cannot load ${file.path}: ${fileError.message}`, { fileError });
      }
    },
  };

  return {
    handlers,
    roots: () => roots.list(),
    async close() {
      closing = true;
      const running = [...scans.values()];
      for (const scan of running) scan.cancel();
      await Promise.allSettled(running.map((scan) => scan.done));
    },
  };
}

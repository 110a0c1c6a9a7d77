// The studies and images methods of the API: scans run in worker threads, queries read the index, images are
// decoded by the decode pool (the one decode path) and a file that fails to decode is marked in the index.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { ApiError, type ApiHandlers, type DecodedImage, type ScanSummary } from '../api/contract';
import type { EventHub } from '../api/events';
import { DicomFileError } from '../studies/dicom/errors';
import type { StudyIndex, StudyTriageSummaries } from '../studies/index-db';
import { scanInWorker, type RunningScan } from '../studies/scan-in-worker';

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
  const root = path.resolve(requested);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(root)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such folder' : `cannot access it (${code ?? (error as Error).message})`;
    throw new ApiError('invalid-argument', `cannot scan "${root}": ${reason}`);
  }
  if (!isDirectory) throw new ApiError('invalid-argument', `cannot scan "${root}": it is a file, not a folder`);
  try {
    await access(root, constants.R_OK | constants.X_OK);
  } catch {
    throw new ApiError('invalid-argument', `cannot scan "${root}": the folder is not readable (check its permissions)`);
  }
  return root;
}

export function createStudiesService({ index, indexFile, events, decoder, triageSummaries }: StudiesServiceOptions): StudiesService {
  const scans = new Map<string, RunningScan>();

  function startScan(root: string): RunningScan {
    const scan = scanInWorker({ indexFile, root, scanId: randomUUID() }, (progress) => events.emit('scan.progress', progress));
    scans.set(scan.scanId, scan);
    scan.done.then(
      (summary) => events.emit('scan.done', summary),
      () => {},
    );
    scan.done.finally(() => scans.delete(scan.scanId)).catch(() => {});
    return scan;
  }

  const handlers: StudiesHandlers = {
    async 'studies.scan'({ path: requested }): Promise<ScanSummary> {
      const root = await resolveScanRoot(requested);
      // Two scans of one folder would race on the same rows; a second request joins the scan in flight.
      const running = [...scans.values()].find((scan) => scan.root === root) ?? startScan(root);
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
    roots: () => index.roots(),
    async close() {
      const running = [...scans.values()];
      for (const scan of running) scan.cancel();
      await Promise.allSettled(running.map((scan) => scan.done));
    },
  };
}

// The composition root: every service of the API is built and wired here, once, for every shell (Electron, the
// loopback server, the CLI). Shell-specific abilities (the native folder dialog) come in as plain functions.
import type { ApiHandlers } from '../api/contract';
import { EventHub } from '../api/events';
import { StudyIndex } from '../studies/index-db';
import { ensureDataDir, indexPath } from './data-dir';
import { createStudiesService, type ImageDecoder } from './studies-service';
import { createDecodePool, type DecodePool } from '../studies/decode-pool';
import { createModelLibrary } from '../models/model-library';
import { createTrainingService } from '../training/service';

export interface ServicesOptions {
  dataDir: string;
  shell: 'electron' | 'browser';
  /** The native folder dialog, where the shell has one; resolves null when the user cancels. */
  pickFolder?: () => Promise<string | null>;
  version: string;
}

export interface Services {
  handlers: ApiHandlers;
  events: EventHub;
  /** Stops scans and decode workers and closes the index; the handlers must not be called afterwards. */
  close(): Promise<void>;
}

export function createServices({ dataDir, shell, pickFolder, version }: ServicesOptions): Services {
  ensureDataDir(dataDir);
  const indexFile = indexPath(dataDir);
  const index = StudyIndex.open(indexFile);
  const events = new EventHub();

  // Decode workers start on the first image request: a scan from the CLI never needs them.
  let pool: DecodePool | undefined;
  const decoder = (): ImageDecoder => (pool ??= createDecodePool());

  const studies = createStudiesService({ index, indexFile, events, decoder });
  const training = createTrainingService({ dataDir, events, library: createModelLibrary(dataDir) });

  const handlers: ApiHandlers = {
    async 'app.info'() {
      return { name: 'Pleura', version, shell, dataDir, roots: studies.roots(), canPickFolder: pickFolder !== undefined };
    },
    async 'app.pickFolder'() {
      return { path: pickFolder ? await pickFolder() : null };
    },
    ...studies.handlers,
    ...training.handlers,
  };

  return {
    handlers,
    events,
    async close() {
      await studies.close();
      await training.close();
      await pool?.close();
      index.close();
    },
  };
}

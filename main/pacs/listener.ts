// The C-STORE listener: what a modality or the PACS sends is stored in the cache as it arrives and, once the sender
// has been quiet for a moment, indexed, triaged and its results sent — in batches, so a study of many images is one
// job, not many.
import type { PacsCache } from './pacs-cache';
import type { PacsState } from './pacs-state';
import { startStoreScp } from './dimse/store-scp';

/** How long the listener waits after the last arrival before processing what came. */
const QUIET_MS = 2000;

export interface RunningListener {
  port: number;
  associations(): number;
  received(): number;
  close(): Promise<void>;
}

export interface ListenerOptions {
  port: number;
  aeTitle: string;
  maxAssociations?: number;
  allowedCallers?: string[];
  allInterfaces?: boolean;
  cache: PacsCache;
  state: PacsState;
  /** indexes, triages and (when asked) sends the results of these studies; resolves when done */
  process: (studyInstanceUids: string[]) => Promise<void>;
  log?: (line: string) => void;
}

export async function startListener(options: ListenerOptions): Promise<RunningListener> {
  const waiting = new Set<string>();
  let timer: NodeJS.Timeout | null = null;
  let processing: Promise<void> = Promise.resolve();
  const flush = () => {
    timer = null;
    const studies = [...waiting];
    waiting.clear();
    processing = processing.then(() => options.process(studies)).catch((error: unknown) => options.log?.(`pleura: processing arrivals failed: ${(error as Error).message}`));
  };
  options.cache.ensure();
  const scp = await startStoreScp({
    port: options.port,
    host: options.allInterfaces ? '0.0.0.0' : '127.0.0.1',
    aeTitle: options.aeTitle,
    into: options.cache.root,
    maxAssociations: options.maxAssociations ?? 4,
    allowedCallingAeTitles: options.allowedCallers?.length ? options.allowedCallers : null,
    log: options.log,
    onStored(file, info) {
      options.state.markReceived({ studyInstanceUid: info.studyInstanceUid, seriesInstanceUid: info.seriesInstanceUid, sopInstanceUid: info.sopInstanceUid }, `listener:${info.callingAeTitle}`, file);
      waiting.add(info.studyInstanceUid);
      if (timer) clearTimeout(timer);
      timer = setTimeout(flush, QUIET_MS);
    },
  });
  return {
    port: scp.port,
    associations: () => scp.associations(),
    received: () => scp.received(),
    async close() {
      await scp.close();
      if (timer) {
        clearTimeout(timer);
        flush();
      }
      await processing;
    },
  };
}

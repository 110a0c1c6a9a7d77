// The PACS methods of the API, and the PACS work of a headless node: one job at a time (retrieve, poll or push),
// polling on a timer, the C-STORE listener, and results sent again when a reviewer changes a verdict. Retrieved and
// received images enter the same index, decode path and triage as a folder's; results go back to where they came from.
import { ApiError, PacsSettings, type ApiErrorCode, type ApiHandlers, type DecodedImage, type PacsInfo, type PacsJob, type PacsStatus, type PacsStudy, type TriageJob } from '../api/contract';
import type { EventHub } from '../api/events';
import type { AuditLog } from '../review/audit-log';
import type { TriageContext, TriageStore } from '../triage/results-store';
import { dicomDateTime } from '../exports/part10';
import { connectPacs, type PacsConnection, type PacsEndpoints } from './connect';
import { openPacsCache, type PacsCache } from './pacs-cache';
import { PacsError, type PacsErrorKind } from './pacs-error';
import { errorMessage, PacsJobProgress } from './pacs-job';
import { openPacsSettings } from './pacs-settings';
import { openPacsState, type PacsState } from './pacs-state';
import { runPipeline, type PipelineSteps } from './pipeline';
import { pushResults, studiesNeedingPush } from './push-results';
import type { PacsSecrets } from './secrets';
import { startListener, type RunningListener } from './listener';
import { pollOnce } from './poll';
import { triageAndWait } from './triage-and-wait';

export type PacsHandlers = Pick<
  ApiHandlers,
  'pacs.settings' | 'pacs.updateSettings' | 'pacs.setSecret' | 'pacs.test' | 'pacs.search' | 'pacs.retrieve' | 'pacs.push' | 'pacs.cancel' | 'pacs.status'
>;

export interface PacsServiceOptions {
  dataDir: string;
  events: EventHub;
  secrets: PacsSecrets;
  store: TriageStore;
  triageContext: () => Promise<TriageContext>;
  decode: (file: string) => Promise<DecodedImage>;
  softwareVersion: string;
  /** the SOP Instance UIDs of these studies in the index */
  indexedInstances: (studyInstanceUids: readonly string[]) => Set<string>;
  /** studies.scan */
  scan: (root: string) => Promise<unknown>;
  /** triage.start for these studies */
  startTriage: (studyInstanceUids: string[]) => Promise<TriageJob>;
  audit: AuditLog;
  reviewer: () => string | Promise<string>;
  /** the listener and polling start from the settings (the workstation, serve); the CLI drives them itself */
  background: boolean;
}

export interface PacsService {
  handlers: PacsHandlers;
  /** A whole run on given endpoints (the CLI's sync): retrieve what is new, triage, push; resolves when it ends. */
  sync(endpoints: PacsEndpoints, options: { push: boolean; from?: string }): Promise<PacsJob>;
  /** The C-STORE listener (the CLI's listen); results go to endpoints.sink when push. */
  listen(endpoints: PacsEndpoints | null, options: { port: number; aeTitle: string; push: boolean; maxAssociations?: number; allInterfaces?: boolean }): Promise<RunningListener>;
  close(): Promise<void>;
}

type Running = { progress: PacsJobProgress; done: Promise<PacsJob> };

export function createPacsService(options: PacsServiceOptions): PacsService {
  const { events, secrets } = options;
  const settingsStore = openPacsSettings(options.dataDir);
  const state: PacsState = openPacsState(options.dataDir);
  const cache: PacsCache = openPacsCache(options.dataDir);
  let running: Running | null = null;
  let latest: PacsJob | null = null;
  let closed = false;
  const polling: PacsStatus['polling'] = { enabled: false, lastPollAt: null, nextPollAt: null, lastError: null };
  let pollTimer: NodeJS.Timeout | null = null;
  let listener: RunningListener | null = null;
  let listenerError: string | null = null;
  /** studies whose results may need sending again (a review changed them), sent when no job runs */
  const pendingPush = new Set<string>();

  const connection = (): PacsConnection => connectPacs(settingsStore.get(), secrets.get());

  /** A PACS job in the background, one at a time; its end starts what waited for it. */
  function startJob(kind: PacsJob['kind'], source: string, work: (progress: PacsJobProgress) => Promise<void>): PacsJob {
    if (closed) throw new ApiError('unavailable', 'the PACS service is closed');
    if (running) throw new ApiError('unavailable', `a PACS ${running.progress.snapshot().kind} job is running; wait for it or cancel it`);
    const progress = new PacsJobProgress(kind, source, events);
    const done = (async () => {
      try {
        await work(progress);
        return progress.end(progress.signal.aborted ? 'cancelled' : 'done');
      } catch (error) {
        return progress.end(progress.signal.aborted ? 'cancelled' : 'failed', errorMessage(error));
      } finally {
        latest = progress.snapshot();
        running = null;
        queueMicrotask(sendPending);
      }
    })();
    running = { progress, done };
    return progress.snapshot();
  }

  const steps = (endpoints: PacsEndpoints): PipelineSteps => ({
    state,
    cache,
    indexedInstances: options.indexedInstances,
    index: async () => {
      await options.scan(cache.root);
    },
    triage: (studies, signal) => triageAndWait(events, options.startTriage, studies, signal),
    push: (studies, job) => push(studies, endpoints, job),
    claims: endpoints.claims,
  });

  async function push(studies: readonly string[], endpoints: PacsEndpoints, job: PacsJobProgress) {
    if (!endpoints.sink) throw new PacsError('refused', 'no PACS to send results to: configure a DICOMweb server or a DIMSE peer');
    return pushResults(studies, { store: options.store, context: await options.triageContext(), state, sink: endpoints.sink, decode: options.decode, softwareVersion: options.softwareVersion, job });
  }

  function sendPending(): void {
    if (running || closed || pendingPush.size === 0) return;
    const { endpoints, settings } = connectionOrNull() ?? {};
    if (!endpoints?.sink || !settings?.pushResults) return;
    const studies = studiesNeedingPush([...pendingPush], { store: options.store, state });
    pendingPush.clear();
    if (studies.length === 0) return;
    startJob('push', endpoints.sink.name, async (progress) => {
      progress.studies(studies.length);
      await push(studies, endpoints, progress);
    });
  }

  function connectionOrNull(): { endpoints: PacsEndpoints; settings: PacsSettings } | null {
    try {
      const settings = settingsStore.get();
      return { endpoints: connection().endpoints(null), settings };
    } catch {
      return null;
    }
  }

  // A review (or a verdict) changed on an image that came from the PACS: its results go back as a new version.
  const unsubscribe = events.subscribe((event, payload) => {
    if (event !== 'worklist.changed' || !options.background) return;
    const { studyInstanceUids } = payload as { studyInstanceUids: string[] };
    const received = state.received(studyInstanceUids);
    if (received.size === 0) return;
    for (const uid of studyInstanceUids) pendingPush.add(uid);
    setTimeout(sendPending, 1000).unref();
  });

  function schedulePolling(): void {
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = null;
    const settings = settingsStore.get();
    polling.enabled = options.background && settings.polling.enabled && settings.dicomweb !== null;
    if (!polling.enabled || closed) {
      polling.nextPollAt = null;
      return;
    }
    const delay = settings.polling.intervalMinutes * 60_000;
    polling.nextPollAt = new Date(Date.now() + delay).toISOString();
    pollTimer = setTimeout(() => {
      void pollNow().finally(schedulePolling);
    }, delay);
    pollTimer.unref();
  }

  async function pollNow(): Promise<void> {
    if (running) return;
    try {
      const settings = settingsStore.get();
      const endpoints = connection().endpoints('dicomweb');
      const job = startJob('poll', 'dicomweb', async (progress) => {
        await pollOnce({ source: endpoints.source, state, progress, firstFrom: dicomDateTime(new Date()).date, run: (studies) => runPipeline(studies, endpoints.source, steps(endpoints), progress, settings.pushResults) });
      });
      const ended = await running!.done;
      polling.lastPollAt = job.startedAt;
      polling.lastError = ended.state === 'failed' ? ended.message : null;
    } catch (error) {
      polling.lastError = errorMessage(error);
    }
  }

  async function restartListener(): Promise<void> {
    await listener?.close();
    listener = null;
    listenerError = null;
    const settings = settingsStore.get();
    if (!options.background || !settings.listener.enabled || closed) return;
    try {
      const sink = settings.pushResults && (settings.dicomweb || settings.dimsePeers.length) ? connection().endpoints(null) : null;
      listener = await listen(sink, {
        port: settings.listener.port,
        aeTitle: settings.aeTitle,
        push: settings.pushResults,
        maxAssociations: settings.listener.maxAssociations,
        allowedCallers: settings.listener.allowedCallers,
        allInterfaces: settings.listener.allInterfaces,
      });
    } catch (error) {
      listenerError = errorMessage(error);
    }
  }

  async function listen(endpoints: PacsEndpoints | null, opts: { port: number; aeTitle: string; push: boolean; maxAssociations?: number; allowedCallers?: string[]; allInterfaces?: boolean }): Promise<RunningListener> {
    return startListener({
      ...opts,
      cache,
      state,
      // Arrivals are processed as a push job once no other job runs: index, triage, send.
      process: (studies) =>
        new Promise<void>((resolve) => {
          const attempt = () => {
            if (running) return void setTimeout(attempt, 500).unref();
            try {
              startJob('push', 'listener', async (progress) => {
                progress.studies(studies.length);
                await options.scan(cache.root);
                progress.count('triaged', await triageAndWait(events, options.startTriage, studies, progress.signal));
                if (opts.push && endpoints?.sink) await push(studies, endpoints, progress);
              });
              void running!.done.then(() => resolve());
            } catch {
              resolve();
            }
          };
          attempt();
        }),
    });
  }

  const handlers: PacsHandlers = {
    async 'pacs.settings'() {
      return info();
    },
    async 'pacs.updateSettings'(changes) {
      const before = settingsStore.get();
      const merged = PacsSettings.safeParse({ ...before, ...changes });
      if (!merged.success) throw new ApiError('invalid-argument', merged.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
      await settingsStore.put(changes);
      options.audit.append({ at: new Date(), who: await options.reviewer(), action: 'settings', sopInstanceUid: null, studyInstanceUid: null, models: [], detail: `PACS settings changed: ${Object.keys(changes).join(', ')}` });
      if ('listener' in changes || 'aeTitle' in changes || 'pushResults' in changes || 'dicomweb' in changes) await restartListener();
      schedulePolling();
      return info();
    },
    async 'pacs.setSecret'({ secret }) {
      await secrets.set(secret);
      options.audit.append({ at: new Date(), who: await options.reviewer(), action: 'settings', sopInstanceUid: null, studyInstanceUid: null, models: [], detail: secret === null ? 'PACS password removed' : 'PACS password stored (encrypted)' });
      return info();
    },
    async 'pacs.test'({ source }) {
      try {
        const { ms } = await connection().endpoints(source).source.verify();
        return { ok: true, ms, message: `${source}: connected in ${Math.round(ms)} ms` };
      } catch (error) {
        return { ok: false, ms: null, message: errorMessage(error) };
      }
    },
    async 'pacs.search'({ source, ...query }) {
      const found = await apiCall(() => connection().endpoints(source).source.searchStudies(query));
      // The PACS counts the results Pleura sent among the study's instances: they are Pleura's, so they count as here.
      return found.map((study): PacsStudy => ({ ...study, localInstances: options.indexedInstances([study.studyInstanceUid]).size + state.sentObjectCount(study.studyInstanceUid) }));
    },
    async 'pacs.retrieve'({ source, studyInstanceUids }) {
      const endpoints = await apiCall(async () => connection().endpoints(source));
      const push = settingsStore.get().pushResults && endpoints.sink !== null;
      return startJob('retrieve', source, (progress) => runPipeline(studyInstanceUids, endpoints.source, steps(endpoints), progress, push));
    },
    async 'pacs.push'({ studyInstanceUids }) {
      const endpoints = await apiCall(async () => connection().endpoints(null));
      const studies = studyInstanceUids ?? state.receivedStudies();
      return startJob('push', endpoints.sink?.name ?? 'none', async (progress) => {
        progress.studies(studies.length);
        await push(studies, endpoints, progress);
      });
    },
    async 'pacs.cancel'() {
      if (!running) return { cancelled: false };
      running.progress.abort.abort();
      return { cancelled: true };
    },
    async 'pacs.status'() {
      const settings = settingsStore.get();
      return {
        job: running?.progress.snapshot() ?? latest,
        polling: { ...polling },
        listener: {
          running: listener !== null,
          port: listener?.port ?? null,
          aeTitle: settings.aeTitle,
          associations: listener?.associations() ?? 0,
          received: listener?.received() ?? 0,
          error: listenerError,
        },
      };
    },
  };

  function info(): PacsInfo {
    return { settings: settingsStore.get(), secret: secrets.info() };
  }

  if (options.background) {
    schedulePolling();
    void restartListener();
  }

  return {
    handlers,
    async sync(endpoints, { push: pushing, from }) {
      const job = startJob('poll', endpoints.source.name, (progress) =>
        pollOnce({ source: endpoints.source, state, progress, from, firstFrom: null, run: (studies) => runPipeline(studies, endpoints.source, steps(endpoints), progress, pushing) }),
      );
      return (await running?.done) ?? job;
    },
    listen: (endpoints, opts) => listen(endpoints, opts),
    async close() {
      closed = true;
      unsubscribe();
      if (pollTimer) clearTimeout(pollTimer);
      running?.progress.abort.abort();
      await running?.done;
      await listener?.close();
      state.close();
    },
  };
}

const API_CODES: Record<PacsErrorKind, ApiErrorCode> = {
  authentication: 'unauthorized',
  connection: 'unavailable',
  cancelled: 'unavailable',
  'not-found': 'not-found',
  protocol: 'failed',
  conflict: 'failed',
  'too-large': 'failed',
  refused: 'failed',
};

/** A PACS failure as the API's error, in the PACS's words: a peer that cannot be reached is 'unavailable', not a failure of Pleura. */
async function apiCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof PacsError) throw new ApiError(API_CODES[error.kind], error.message, { kind: error.kind });
    throw error;
  }
}

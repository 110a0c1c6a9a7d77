// The triage methods of the API: a job queue in the main process (one job at a time; images asked for while a job
// runs join it), progress and worklist events at most about twice a second, the verdicts and overlays read back from
// the results store, and automatic triage of the images a scan adds when the settings ask for it.
import { randomUUID } from 'node:crypto';
import { decodeRle } from '../../ml/post';
import { ApiError, type ApiHandlers, type ScanSummary, type TriageJob, type WorkstationSettings } from '../api/contract';
import type { EventHub } from '../api/events';
import type { WeightedModel } from './triage-config';
import { JobProgress } from './job-progress';
import type { StudySummary, TriageContext, TriageScope, TriageStore, TriageTarget } from './results-store';
import { runTriageJob } from './run-job';
import { jobConfig, type JobConfig } from './triage-config';

export type TriageHandlers = Pick<ApiHandlers, 'triage.start' | 'triage.cancel' | 'triage.status' | 'triage.images' | 'triage.overlay'>;

export interface TriageServiceOptions {
  store: TriageStore;
  events: EventHub;
  getSettings: () => Promise<WorkstationSettings>;
  /** the model, or the models of the ensemble, that triage runs with now; empty when none is installed */
  currentModels: () => Promise<WeightedModel[]>;
  /** the least time between two progress (and worklist) events; default 500 ms */
  progressIntervalMs?: number;
}

export interface TriageService {
  handlers: TriageHandlers;
  /** What verdicts are read against: the configuration a verdict must carry to be current, the intended use, the demonstration model. */
  context(): Promise<TriageContext>;
  /** Each study's triage summary and worklist priority, by Study Instance UID. */
  studySummaries(): Promise<Map<string, StudySummary>>;
  /** Cancels the running job and waits for its models and workers to be freed. */
  close(): Promise<void>;
}

type Notifier = ReturnType<typeof eventsFor>;

type Running = {
  progress: JobProgress;
  config: JobConfig;
  queue: TriageTarget[];
  /** the job's images not yet done: instance id → Study Instance UID */
  queued: Map<number, string>;
  notify: Notifier;
  abort: AbortController;
  done: Promise<void>;
};

type StartOptions = { studyInstanceUids?: string[]; scope: TriageScope; under?: string };

export const NO_MODEL = 'no model is current: install one on the Settings page (or run `pleura models install`) before triaging';

export function createTriageService({ store, events, getSettings, currentModels, progressIntervalMs = 500 }: TriageServiceOptions): TriageService {
  // Rows left queued or running by a process that stopped mid-job go back to what they were.
  store.settleUnfinished();
  let running: Running | null = null;
  let latest: TriageJob | null = null;
  let closed = false;

  const currentConfig = async (): Promise<JobConfig | null> => {
    const [models, settings] = await Promise.all([currentModels(), getSettings()]);
    return jobConfig(models, settings);
  };
  /** A model pointer that cannot be read must not take the worklist with it: every verdict then reads as stale. */
  const context = async (): Promise<TriageContext> => {
    const [config, settings] = await Promise.all([currentConfig().catch(() => null), getSettings()]);
    return { configKey: config?.configKey ?? null, demonstration: config?.demonstration ?? false, intendedUse: settings.intendedUse };
  };

  function startJob(config: JobConfig, engine: WorkstationSettings['engine'], targets: TriageTarget[]): Running {
    const progress = new JobProgress(randomUUID(), config.models);
    const notify = eventsFor(events, progress, progressIntervalMs);
    const job: Running = { progress, config, queue: [], queued: new Map(), notify, abort: new AbortController(), done: Promise.resolve() };
    enqueue(job, targets);
    job.done = (async () => {
      try {
        await runTriageJob({
          store,
          config,
          engine,
          queue: job.queue,
          signal: job.abort.signal,
          onReady: (name) => progress.ready(name),
          onImage(target, failed) {
            job.queued.delete(target.instanceId);
            progress.imageDone(target.studyInstanceUid, failed);
            notify.changed([target.studyInstanceUid]);
          },
        });
        progress.end(job.abort.signal.aborted ? 'cancelled' : 'finished');
      } catch (error) {
        progress.end('failed', (error as Error)?.message ?? String(error));
      } finally {
        // What the job did not reach (cancelled, failed) goes back to its earlier state: pending, stale or error.
        store.settleUnfinished([...job.queued.keys()]);
        running = null;
        latest = progress.snapshot();
        notify.end(job.queued.values());
      }
    })();
    return job;
  }

  function enqueue(job: Running, targets: readonly TriageTarget[]): void {
    const fresh = targets.filter((target) => !job.queued.has(target.instanceId));
    if (fresh.length === 0) return;
    store.markQueued(fresh.map((target) => target.instanceId), job.config);
    for (const target of fresh) job.queued.set(target.instanceId, target.studyInstanceUid);
    job.queue.push(...fresh);
    job.progress.add(fresh);
    job.notify.changed(fresh.map((target) => target.studyInstanceUid), true);
  }

  async function startNow(opts: StartOptions): Promise<TriageJob | null> {
    if (closed) throw new ApiError('unavailable', 'the triage service is closed');
    // A job being cancelled takes nothing more: the new images wait for it to stop and start a job of their own.
    if (running?.abort.signal.aborted) await running.done;
    const settings = await getSettings();
    const config = jobConfig(await currentModels(), settings);
    if (!config) throw new ApiError('unavailable', NO_MODEL);
    const targets = store.targets({ configKey: config.configKey, scope: opts.scope, studyInstanceUids: opts.studyInstanceUids, under: opts.under, intendedUse: config.intendedUse });
    if (running) {
      // Images asked for during a job join it and carry its configuration: their verdicts say which one made them.
      enqueue(running, targets);
      return running.progress.snapshot();
    }
    if (targets.length === 0) return null;
    running = startJob(config, settings.engine, targets);
    return running.progress.snapshot();
  }

  // Starts one after another, so two requests at once never start two jobs.
  let starting: Promise<unknown> = Promise.resolve();
  function start(opts: StartOptions): Promise<TriageJob | null> {
    const started = starting.then(() => startNow(opts));
    starting = started.catch(() => {});
    return started;
  }

  // Auto-triage: the images a scan added (no verdict yet) under its folder, when the setting is on.
  const unsubscribe = events.subscribe((event, payload) => {
    if (event !== 'scan.done' || closed) return;
    const summary = payload as ScanSummary;
    if (summary.cancelled || summary.added + summary.updated === 0) return;
    void (async () => {
      if (!(await getSettings()).autoTriage) return;
      await start({ scope: 'missing', under: summary.root });
    })().catch(() => {
      // No current model: nothing to triage automatically; the worklist shows the images as pending.
    });
  });

  const handlers: TriageHandlers = {
    async 'triage.start'({ studyInstanceUids, force }) {
      const job = await start({ studyInstanceUids, scope: force ? 'all' : 'outdated' });
      // Nothing to do: an empty finished job, so the caller always gets a job to show.
      return job ?? emptyJob((await currentConfig())?.models ?? []);
    },

    async 'triage.cancel'() {
      if (!running) return { cancelled: false };
      running.progress.end('cancelling');
      running.abort.abort();
      events.emit('triage.progress', running.progress.snapshot());
      return { cancelled: true };
    },

    async 'triage.status'() {
      return { job: running?.progress.snapshot() ?? latest };
    },

    async 'triage.images'({ studyInstanceUid }) {
      const images = store.imagesOfStudy(studyInstanceUid, await context());
      if (images.length === 0) throw new ApiError('not-found', `no study with Study Instance UID ${studyInstanceUid} is indexed`);
      return images;
    },

    async 'triage.overlay'({ instanceId }) {
      const stored = store.get(instanceId);
      if (!stored || stored.heatmap === null || stored.maskRle === null) {
        throw new ApiError('not-found', `image ${instanceId} has no triage result${stored?.error ? `: ${stored.error.message}` : ''}; triage its study first`);
      }
      const size = { rows: stored.maskRows!, columns: stored.maskColumns! };
      const reviewed = stored.review?.maskRle ?? null;
      return {
        instanceId,
        heatmap: { rows: stored.heatmapRows!, columns: stored.heatmapColumns!, data: stored.heatmap },
        mask: decodeRle(reviewed ?? stored.maskRle, size),
        maskSource: reviewed === null ? 'model' : 'review',
        triage: store.toImageTriage(stored, await context()),
      };
    },
  };

  return {
    handlers,
    context,
    studySummaries: async () => store.studySummaries(await context()),
    async close() {
      closed = true;
      unsubscribe();
      running?.abort.abort();
      await running?.done;
    },
  };
}

/** Events of one job: progress and changed studies are held back until the interval has passed. */
function eventsFor(events: EventHub, progress: JobProgress, intervalMs: number) {
  const changed = new Set<string>();
  let last = -Infinity;
  const flush = () => {
    last = performance.now();
    events.emit('triage.progress', progress.snapshot());
    if (changed.size) events.emit('worklist.changed', { studyInstanceUids: [...changed] });
    changed.clear();
  };
  return {
    changed(studyInstanceUids: Iterable<string>, now = false) {
      for (const uid of studyInstanceUids) changed.add(uid);
      if (now || performance.now() - last >= intervalMs) flush();
    },
    /** The job has ended; `settled` are the studies of images put back unprocessed. */
    end(settled: Iterable<string>) {
      for (const uid of settled) changed.add(uid);
      if (changed.size) events.emit('worklist.changed', { studyInstanceUids: [...changed] });
      events.emit('triage.done', progress.snapshot());
    },
  };
}

function emptyJob(models: string[]): TriageJob {
  const progress = new JobProgress(randomUUID(), models);
  progress.end('finished');
  return progress.snapshot();
}

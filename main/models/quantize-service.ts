// The quantize methods of the API: "Make an INT8 version" of an installed fp32 model, one job at a time in its own
// worker thread (quantize-job.ts), written under <dataDir>/quantize/<jobId>/ and installed into the model library
// when done (never made current: the user chooses that, as for any model). Progress is pushed at most about twice a
// second; a cancel or a failure leaves nothing behind, and an installed version goes to the audit log.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { cardPrecision, modelRef } from '../../ml/io/model-card';
import { ApiError, type ApiHandlers, type QuantizeJob, type QuantizeRequest } from '../api/contract';
import type { EventHub } from '../api/events';
import type { AuditLog } from '../review/audit-log';
import type { ModelLibrary } from './model-library';
import { checkImageFolder, QuantizeInputError } from './quantize-input';
import { startQuantizeWorker, type QuantizeJob as WorkerJob, type StartQuantizeJob } from './quantize-job';
import { int8Ref, type QuantizeProgress } from './quantize-model';

export type QuantizeHandlers = Pick<ApiHandlers, 'quantize.start' | 'quantize.cancel' | 'quantize.status'>;

export interface QuantizeServiceOptions {
  dataDir: string;
  events: EventHub;
  library: ModelLibrary;
  audit: AuditLog;
  /** who the audit entries name: the reviewer in the settings */
  reviewer: () => string;
  /** default: the quantization worker thread */
  startJob?: StartQuantizeJob;
  /** the shortest gap between two progress events (default 500 ms) */
  throttleMs?: number;
}

export interface QuantizeService {
  handlers: QuantizeHandlers;
  /** Cancels the job in flight and waits for it to end. */
  close(): Promise<void>;
}

const ACTIVE: readonly QuantizeJob['state'][] = ['running', 'cancelling'];

export function createQuantizeService({ dataDir, events, library, audit, reviewer, startJob = startQuantizeWorker, throttleMs = 500 }: QuantizeServiceOptions): QuantizeService {
  let latest: QuantizeJob | null = null;
  let running: { job: WorkerJob; ended: Promise<void> } | null = null;
  const snapshot = (): QuantizeJob | null => latest && { ...latest, request: structuredClone(latest.request) };

  /** The folder of the installed fp32 model the request names; every refusal says why. */
  async function sourceOf(request: QuantizeRequest) {
    const installed = await library.listModels();
    const listing = installed.find((entry) => entry.ref === request.ref);
    if (!listing) throw new ApiError('not-found', `${request.ref} is not installed`);
    if (listing.set) throw new ApiError('invalid-argument', `${request.ref} is a model set: make INT8 versions of its members, one model at a time`);
    if (!listing.card) throw new ApiError('invalid-argument', `${request.ref} cannot be used: ${listing.error}`);
    if (cardPrecision(listing.card) === 'int8') throw new ApiError('invalid-argument', `${request.ref} is already an INT8 model; make the INT8 version from its fp32 source`);
    const target = modelRef(int8Ref(listing.card));
    if (installed.some((entry) => entry.ref === target)) throw new ApiError('invalid-argument', `${request.ref} already has an INT8 version installed: ${target}`);
    return listing.dir;
  }

  function checkIdle(): void {
    if (latest && ACTIVE.includes(latest.state)) {
      throw new ApiError('unavailable', `an INT8 version of ${latest.request.ref} is being made; wait for it to end or cancel it first`);
    }
  }

  /** Throttled, except that a new phase is always sent. */
  function progressReporter(record: QuantizeJob) {
    let lastEmit = -Infinity;
    return ({ phase, done, total }: QuantizeProgress) => {
      const changedPhase = record.phase !== phase;
      Object.assign(record, { phase, done, total });
      if (!changedPhase && Date.now() - lastEmit < throttleMs) return;
      lastEmit = Date.now();
      events.emit('quantize.progress', snapshot()!);
    };
  }

  async function follow(job: WorkerJob, record: QuantizeJob, staging: string, source: string): Promise<void> {
    try {
      const { card, skipped } = await job.done;
      const installed = await library.installModel(path.join(staging, 'model'));
      const { agreement } = card.quantization;
      Object.assign(record, { state: 'finished', installed: installed.ref, agreement, skipped: skipped.length });
      audit.append({
        who: reviewer(),
        action: 'quantize',
        sopInstanceUid: null,
        studyInstanceUid: null,
        models: [installed.ref, source],
        detail: `${installed.ref} made from ${source}: flags agree on ${agreement.flagsAgree} of ${agreement.flagsTotal} held-out images, mean mask Dice ${agreement.meanDice.toFixed(4)}, largest probability difference ${agreement.maxProbabilityDifference.toFixed(4)}`,
      });
    } catch (error) {
      const cancelled = record.state === 'cancelling' || (error as Error)?.name === 'AbortError';
      Object.assign(record, { state: cancelled ? 'cancelled' : 'failed', error: cancelled ? null : (error as Error)?.message ?? String(error) });
    } finally {
      await rm(staging, { recursive: true, force: true });
      record.endedAt = new Date().toISOString();
      running = null;
      events.emit('quantize.done', snapshot()!);
    }
  }

  const handlers: QuantizeHandlers = {
    async 'quantize.start'(request) {
      checkIdle();
      const modelDir = await sourceOf(request);
      if (request.calibration.kind === 'dicom-folder') {
        try {
          await checkImageFolder(request.calibration.folder, 'calibration folder');
        } catch (error) {
          if (error instanceof QuantizeInputError) throw new ApiError('invalid-argument', error.message);
          throw error;
        }
      }
      // Another start may have begun while this one checked its model and folder.
      checkIdle();
      const jobId = randomBytes(6).toString('hex');
      // The worker publishes the model into it (creating it); it is removed whatever the end.
      const staging = path.join(dataDir, 'quantize', jobId);
      const record: QuantizeJob = {
        jobId,
        request,
        state: 'running',
        phase: 'reading',
        done: 0,
        total: 0,
        startedAt: new Date().toISOString(),
        endedAt: null,
        installed: null,
        agreement: null,
        skipped: 0,
        error: null,
      };
      latest = record;
      const job = startJob({ modelDir, calibration: request.calibration, out: path.join(staging, 'model'), method: request.method, dataDir }, progressReporter(record));
      running = { job, ended: follow(job, record, staging, request.ref) };
      return snapshot()!;
    },

    async 'quantize.cancel'() {
      if (!running || !latest || latest.state !== 'running') return { cancelled: false };
      latest.state = 'cancelling';
      running.job.cancel();
      events.emit('quantize.progress', snapshot()!);
      return { cancelled: true };
    },

    async 'quantize.status'() {
      return { job: snapshot() };
    },
  };

  return {
    handlers,
    async close() {
      if (!running) return;
      const { ended } = running;
      await handlers['quantize.cancel']({});
      await ended;
    },
  };
}

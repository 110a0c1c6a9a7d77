// What the operations log records of the services' work, chosen field by field (counts, ids, model versions,
// paths; never a DICOM value): finished scans, triage jobs and training runs and quantizations from the event hub, and exports by
// wrapping their handlers, so the services themselves know nothing of the log.
import { ApiError, type ApiHandlers, type QuantizeJob, type ScanSummary, type TrainingRun, type TriageJob } from '../api/contract';
import type { EventHub } from '../api/events';
import type { LogFields, OperationLog } from './operation-log';

/** Subscribes the log to the hub; returns the unsubscribe. */
export function logEvents(events: EventHub, log: OperationLog): () => void {
  return events.subscribe((event, payload) => {
    if (event === 'scan.done') log.record('scan', scanFields(payload as ScanSummary));
    else if (event === 'triage.done') log.record('triage', triageFields(payload as TriageJob));
    else if (event === 'training.done') log.record('training', trainingFields(payload as TrainingRun));
    else if (event === 'quantize.done') log.record('quantize', quantizeFields(payload as QuantizeJob));
  });
}

type ExportHandlers = Pick<ApiHandlers, 'exports.run' | 'audit.export'>;

/** The export handlers, each recording one line per call: what it wrote, or why it failed. */
export function logExports(handlers: ExportHandlers, log: OperationLog): ExportHandlers {
  return {
    'exports.run': (args) =>
      logged(log, 'export', { folder: args.folder, kinds: args.kinds }, () => handlers['exports.run'](args), (result) => ({
        folder: result.folder,
        kinds: args.kinds,
        files: result.files.length,
        errors: result.errors.length,
      })),
    'audit.export': (args) =>
      logged(log, 'audit-export', { folder: args.folder }, () => handlers['audit.export'](args), (result) => ({ path: result.path, entries: result.entries })),
  };
}

/** Runs the call; records `event` with what the result says, or `<event>.failed` with the request and the reason. */
async function logged<T>(log: OperationLog, event: string, request: LogFields, call: () => Promise<T>, outcome: (result: T) => LogFields): Promise<T> {
  const started = performance.now();
  try {
    const result = await call();
    log.record(event, { ...outcome(result), ms: Math.round(performance.now() - started) });
    return result;
  } catch (error) {
    log.record(`${event}.failed`, { ...request, code: error instanceof ApiError ? error.code : 'failed', message: (error as Error)?.message ?? String(error) });
    throw error;
  }
}

function scanFields({ scanId, root, filesSeen, filesRead, durationMs, cancelled, ...counts }: ScanSummary): LogFields {
  return { id: scanId, root, files: filesSeen, read: filesRead, ...counts, ms: durationMs, cancelled };
}

function triageFields({ jobId, state, total, done, failed, models, engine, msPerImage, error }: TriageJob): LogFields {
  return { job: jobId, state, images: total, done, failed, models, engine, msPerImage: msPerImage === null ? null : Math.round(msPerImage * 10) / 10, error };
}

function trainingFields(run: TrainingRun): LogFields {
  const { plan, start, arch, epochs, data } = run.request;
  return { run: run.runId, state: run.state, plan, start, from: run.startedFrom, arch, size: run.size, epochs, data: data.kind, candidate: run.candidate, end: run.end?.kind ?? null, error: run.error };
}

function quantizeFields({ jobId, request, state, installed, agreement, skipped, error }: QuantizeJob): LogFields {
  return {
    job: jobId,
    state,
    from: request.ref,
    calibration: request.calibration.kind,
    method: request.method ?? null,
    installed,
    flagsAgree: agreement ? `${agreement.flagsAgree}/${agreement.flagsTotal}` : null,
    meanDice: agreement ? Math.round(agreement.meanDice * 1000) / 1000 : null,
    skipped,
    error,
  };
}

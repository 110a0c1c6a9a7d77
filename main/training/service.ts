// The training and models methods of the API: one training run at a time in the trainer's worker thread, its
// output under <dataDir>/training/<runId>/ (never the installed models), progress pushed at most about twice a
// second with the curve history kept here for a reloaded page, and at the end the held-out comparison with the
// current model, after which the user promotes the new model or discards it. A run starts from the current model
// (its weights, architecture, input size and rule) unless it is asked to start from scratch; data with too few
// patients for the folds is refused before it starts. Runs (started, resumed, ended and why) and promotions,
// discards and restores go to the audit log.
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { mkdir, readdir, readFile, realpath, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  ApiError,
  type ApiHandlers,
  type AuditAction,
  type ModelEntry,
  type TrainingComparison,
  type TrainingData,
  type TrainingPlanName,
  type TrainingPoint,
  type TrainingProgress,
  type TrainingRequest,
  type TrainingRun,
} from '../api/contract';
import type { EventHub } from '../api/events';
import { modelRef } from '../../ml/io/model-card';
import { ModelFolderError } from '../../ml/io/model-folder-error';
import { MaskTableError } from '../../ml/post';
import { latestCheckpoint } from '../../ml/train/checkpoint';
import { LabelError } from '../../ml/train/dataset';
import { writeFileAtomically } from '../fs/atomic-file';
import { containedPath } from '../fs/contained-path';
import { MAX_MASK_TABLE_BYTES } from '../fs/read-mask-table';
import { regularFileProblem } from '../fs/regular-file';
import { systemFolderOf } from '../fs/system-folders';
import type { InstalledModel, ModelLibrary, ModelListing } from '../models/model-library';
import type { AuditLog } from '../review/audit-log';
import { planPreset, withEpochs } from '../../ml/train/plans';
import type { TrainingProgress as TrainingProgressReport } from '../../ml/train/trainer';
import { compareOnHeldOut, heldOutCases } from './compare';
import { countPatients, patientShortfall } from './data/patient-count';
import { INTERRUPTED_END, stoppedEnd, type StopRequest } from './end-reason';
import { CHECKPOINTS_FOLDER, type TrainingConfig, type TrainingResult } from './run-training';
import { startTrainingWorker, TRAINING_TERMINATED, type TrainingJob } from './start-worker';

export type TrainingHandlers = Pick<
  ApiHandlers,
  | 'training.start'
  | 'training.cancel'
  | 'training.resume'
  | 'training.status'
  | 'models.list'
  | 'models.promote'
  | 'models.discard'
  | 'models.restore'
>;

export type { TrainingConfig, TrainingResult };
export type TrainerProgress = TrainingProgressReport;

/** Starts a run in the trainer's worker thread (startTrainingWorker; tests pass a scripted stand-in). */
export type StartTrainer = (config: TrainingConfig) => TrainingJob;

export interface TrainingServiceOptions {
  dataDir: string;
  events: EventHub;
  library: ModelLibrary;
  /** where runs and promotions are recorded (the one audit log, built in createServices) */
  audit: AuditLog;
  /** who the audit entries name: the reviewer in the settings */
  reviewer: () => string;
  /** default: the trainer's worker thread */
  startTrainer?: StartTrainer;
  /** the architecture of a run from scratch when the request names none (default: the light U-Net) */
  defaultArch?: string;
  /** the shortest gap between two progress events (default 500 ms) */
  throttleMs?: number;
  /** the longest close() waits for the run to stop (default CLOSE_WAIT_MS) */
  closeWaitMs?: number;
}

export interface TrainingService {
  handlers: TrainingHandlers;
  /** Cancels the run in flight and waits for it to stop, at most closeWaitMs. */
  close(): Promise<void>;
}

/** What run.json keeps, so a run can be resumed, promoted or discarded after a restart. */
type RunRecord = Omit<TrainingRun, 'progress' | 'history' | 'resumable'> & { config: TrainingConfig; modelDir: string | null };

const RUN_FILE = 'run.json';
const MODEL_FOLDER = 'model';
const DEFAULT_ARCH = 'unet-light';
const DEFAULT_SIZE = 256;
/** Five folds, the first held out: the split the comparison scores both models on (so at least five patients). */
const FOLDS = 5;
/** A kill loses at most this many steps (epoch ends are always checkpointed). */
const CHECKPOINT_EVERY = 50;
const MAX_POINTS = 2000;
const ACTIVE: readonly TrainingRun['state'][] = ['running', 'cancelling', 'comparing'];
const RESUMABLE: readonly TrainingRun['state'][] = ['cancelled', 'failed'];
/**
 * Closing (on SIGTERM, the window closing) gives the run this long to checkpoint and stop before it is stopped by
 * force, and itself returns within CLOSE_WAIT_MS: inside the 10 s `pleura serve` allows for the whole close.
 */
const CLOSE_GRACE_MS = 5000;
const CLOSE_WAIT_MS = 7000;

/** Sortable by start time, unique enough for one machine: 20261128-040512-a1b2c3. */
function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** The epoch each stage starts at, over the whole plan as the trainer cuts it to the run's epochs. */
export function stageOffsets(plan: TrainingPlanName, epochs: number): number[] {
  const lengths = withEpochs(planPreset(plan), epochs).stages.map((stage) => stage.epochs);
  return lengths.map((_, i) => lengths.slice(0, i).reduce((a, b) => a + b, 0));
}

/** The position in epochs over the whole plan, for the curves' x axis and the overall bar. */
export function positionOf(progress: Pick<TrainerProgress, 'stage' | 'epoch' | 'step' | 'stepsInEpoch'>, offsets: readonly number[]): number {
  const inEpoch = progress.stepsInEpoch > 0 ? progress.step / progress.stepsInEpoch : 1;
  return (offsets[progress.stage] ?? 0) + progress.epoch - 1 + inEpoch;
}

/** Halves a long history, keeping every validation point, so a run of any length stays small to send. */
export function thinHistory(points: TrainingPoint[]): TrainingPoint[] {
  if (points.length <= MAX_POINTS) return points;
  return points.filter((point, i) => point.valDice !== null || i % 2 === 0 || i === points.length - 1);
}

/**
 * The training data the API names, checked before a run starts: a folder, or a regular file of bounded size (never a
 * device or a FIFO, which would never end or block), in no system folder. The reader checks again as it reads.
 */
async function checkPath(value: string, kind: 'folder' | 'file', role: string): Promise<void> {
  if (!path.isAbsolute(value)) throw new ApiError('invalid-argument', `the ${role} must be an absolute path; got "${value}"`);
  const refuse = (why: string): never => {
    throw new ApiError('invalid-argument', `the ${role} "${value}" ${why}`);
  };
  let stats: Stats;
  let real: string;
  try {
    [stats, real] = await Promise.all([stat(value), realpath(value)]);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return refuse(code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`);
  }
  const system = systemFolderOf(real);
  if (system) refuse(`is (or is inside) ${system}`);
  if (kind === 'folder') {
    if (!stats.isDirectory()) refuse('is a file, not a folder');
    return;
  }
  const problem = regularFileProblem(stats, MAX_MASK_TABLE_BYTES);
  if (problem) refuse(problem);
}

async function checkPaths(data: TrainingData): Promise<void> {
  if (data.kind === 'reviewed') return;
  await checkPath(data.folder, 'folder', data.kind === 'dicom-folder' ? 'DICOM folder' : 'PNG folder');
  if (data.kind === 'dicom-folder') await checkPath(data.labels, 'file', 'mask table');
}

/** The data's paths, then whether it holds enough patients for the folds (a missing images/ folder or a bad table said as such). */
async function checkData(data: TrainingData, dataDir: string): Promise<void> {
  await checkPaths(data);
  let problem: string | null;
  try {
    problem = patientShortfall(await countPatients(data, dataDir), FOLDS);
  } catch (error) {
    if (error instanceof LabelError || error instanceof MaskTableError) throw new ApiError('invalid-argument', error.message);
    throw error;
  }
  if (problem) throw new ApiError('invalid-argument', problem);
}

/** The model a run from the current model starts from; a request that names another architecture or size is refused. */
async function startingModel(library: ModelLibrary, request: TrainingRequest): Promise<InstalledModel> {
  const model = await libraryCall(() => library.currentModel());
  if (!model) throw new ApiError('invalid-argument', 'no model is current, so there is none to fine-tune: start from scratch instead');
  const { name } = model.card.architecture;
  const { size } = model.card.input;
  if (request.arch !== undefined && request.arch !== name) {
    throw new ApiError('invalid-argument', `a run from the current model ${model.ref} trains its architecture, ${name}, not ${request.arch}: start from scratch for another`);
  }
  if (request.size !== undefined && request.size !== size) {
    throw new ApiError('invalid-argument', `a run from the current model ${model.ref} keeps its input size, ${size} × ${size}, not ${request.size}: start from scratch for another`);
  }
  return model;
}

/** The data as the audit log names it. */
function semiLabel(semi: TrainingRequest['semi']): string {
  if (!semi) return '';
  const source = semi.unlabelled.kind === 'local-studies' ? "the workstation's studies without a reviewed mask" : `the unlabelled folder ${semi.unlabelled.folder}`;
  return ` with ${source} (${semi.method})`;
}

function dataLabel(data: TrainingData): string {
  switch (data.kind) {
    case 'reviewed':
      return 'the reviewed studies';
    case 'png-pairs':
      return `the PNG pairs in ${data.folder}`;
    case 'dicom-folder':
      return `the DICOM folder ${data.folder} (${path.basename(data.labels)})`;
  }
}

/** A library listing as the API shows it: the renderer has no use for the folder's local path. */
function asEntry({ dir: _dir, ...entry }: ModelListing): ModelEntry {
  return entry;
}

/** The model library's errors (not installed, a broken folder) as the API's. */
async function libraryCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ModelFolderError) throw new ApiError('not-found', error.message);
    throw error;
  }
}

export function createTrainingService(options: TrainingServiceOptions): TrainingService {
  const { dataDir, events, library, audit, reviewer, startTrainer = startTrainingWorker, defaultArch = DEFAULT_ARCH, throttleMs = 500, closeWaitMs = CLOSE_WAIT_MS } = options;
  const trainingRoot = path.join(dataDir, 'training');
  /** `<runId>/<name>` in the training folder, checked to stay inside it after links are resolved. */
  const inRun = async (runId: string, name: string): Promise<string> => {
    await mkdir(trainingRoot, { recursive: true });
    return containedPath(trainingRoot, `${runId}/${name}`);
  };
  /** Where a run's model goes: derived from its id, never taken from a run.json that may have been edited. */
  const modelDirOf = (runId: string) => inRun(runId, MODEL_FOLDER);

  /** A run as the API shows it: its record, its latest progress and curves, and whether it can be resumed. */
  type RunView = { record: RunRecord; progress: TrainingProgress | null; history: TrainingPoint[]; resumable: boolean };
  /** The latest run of this session, and who asked it to stop; earlier runs live only in their run.json. */
  let latest: (RunView & { stop: StopRequest }) | null = null;
  let job: TrainingJob | null = null;
  let finishing: Promise<void> = Promise.resolve();
  /** promote, discard and restore one after another, so two clicks never interleave installs and pointer writes */
  let libraryQueue: Promise<unknown> = Promise.resolve();
  const serialised = <T>(work: () => Promise<T>): Promise<T> => {
    const next = libraryQueue.then(work, work);
    libraryQueue = next.catch(() => {});
    return next;
  };

  const view = ({ record, progress, history, resumable }: RunView): TrainingRun => {
    const { config: _config, modelDir: _modelDir, ...run } = record;
    return { ...run, progress, history: [...history], resumable };
  };
  /** Resumable: cancelled or failed, with a checkpoint on disk to go on from (a run stopped before its first has none). */
  const canResume = async (record: RunRecord): Promise<boolean> =>
    RESUMABLE.includes(record.state) && (await latestCheckpoint(path.join(await modelDirOf(record.runId), CHECKPOINTS_FOLDER))) !== null;
  const onDisk = async (record: RunRecord): Promise<RunView> => ({ record, progress: null, history: [], resumable: await canResume(record) });

  const audited = (action: AuditAction, models: (string | null)[], detail: string) =>
    audit.append({ who: reviewer(), action, sopInstanceUid: null, studyInstanceUid: null, models: models.filter((m): m is string => m !== null), detail });

  async function save(record: RunRecord): Promise<void> {
    await writeFileAtomically(await inRun(record.runId, RUN_FILE), `${JSON.stringify(record, null, 2)}\n`);
  }

  async function readRecord(runId: string): Promise<RunRecord | null> {
    try {
      // A run is the folder it was found in, whatever its run.json says; one from before startedFrom, size and end had none.
      const saved = JSON.parse(await readFile(path.join(trainingRoot, runId, RUN_FILE), 'utf8')) as RunRecord;
      const record: RunRecord = { ...saved, runId, startedFrom: saved.startedFrom ?? null, size: saved.size ?? saved.config.size, end: saved.end ?? null };
      // A run.json that still says it is active belongs to a session that ended mid-run.
      return ACTIVE.includes(record.state) ? { ...record, state: 'failed', error: 'the application stopped during this run', end: INTERRUPTED_END } : record;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async function latestRecordOnDisk(): Promise<RunRecord | null> {
    const names = await readdir(trainingRoot).catch(() => [] as string[]);
    for (const name of names.sort().reverse()) {
      const record = await readRecord(name);
      if (record) return record;
    }
    return null;
  }

  /** The run named (or the latest one), from this session or from its run.json. */
  async function findRun(runId: string | undefined): Promise<RunRecord> {
    if (latest && (runId === undefined || latest.record.runId === runId)) return latest.record;
    const record = runId === undefined ? await latestRecordOnDisk() : await readRecord(runId);
    if (!record) throw new ApiError('not-found', runId === undefined ? 'there is no training run yet' : `there is no training run ${runId}`);
    return record;
  }

  function checkIdle(): void {
    if (latest && ACTIVE.includes(latest.record.state)) {
      throw new ApiError('unavailable', `training run ${latest.record.runId} is still ${latest.record.state}; cancel it or wait for it to end before starting another`);
    }
  }

  /** Throttled progress: the loss of a point is the mean since the previous point, so the curve is not one noisy batch. */
  function progressReporter(record: RunRecord, state: RunView) {
    let lastEmit = -Infinity;
    let losses: number[] = [];
    let timer: NodeJS.Timeout | null = null;
    let pending: TrainingProgress | null = null;
    const offsets = stageOffsets(record.request.plan, record.request.epochs);

    const flush = () => {
      if (timer) clearTimeout(timer);
      timer = null;
      if (!pending) return;
      const progress = pending;
      pending = null;
      const { at } = progress;
      const loss = losses.reduce((sum, value) => sum + value, 0) / losses.length;
      losses = [];
      const point: TrainingPoint = { at, loss, lr: progress.lr, valDice: progress.valDice };
      // After a resume the trainer repeats the steps since its last checkpoint: their old points are replaced.
      const kept = state.history.filter((p) => p.at < at);
      state.history = thinHistory([...kept, point]);
      lastEmit = Date.now();
      events.emit('training.progress', { progress, points: [point] });
    };

    const report = (raw: TrainerProgress) => {
      if (state.record !== record) return;
      const progress: TrainingProgress = {
        runId: record.runId,
        stage: raw.stageName,
        stageIndex: raw.stage,
        stages: raw.stages,
        epoch: raw.epoch,
        epochs: raw.epochs,
        step: raw.step,
        stepsInEpoch: raw.stepsInEpoch,
        at: positionOf(raw, offsets),
        totalEpochs: record.request.epochs,
        loss: raw.loss,
        lr: raw.lr,
        valDice: raw.valDice ?? null,
        etaSeconds: raw.etaSeconds,
        imagesPerSecond: raw.imagesPerSecond,
        engine: raw.engine,
      };
      state.progress = progress;
      pending = progress;
      losses.push(raw.loss);
      const wait = lastEmit + throttleMs - Date.now();
      // Validation results end an epoch: they are drawn at once, whatever the throttle.
      if (wait <= 0 || progress.valDice !== null) flush();
      else timer ??= setTimeout(flush, wait);
    };
    return { report, flush };
  }

  async function settle(record: RunRecord, update: Partial<RunRecord>): Promise<void> {
    Object.assign(record, update);
    await save(record);
  }

  function launch(record: RunRecord, resume: boolean): TrainingRun {
    const state: NonNullable<typeof latest> = latest?.record === record ? latest : { record, progress: null, history: [], resumable: false, stop: null };
    latest = state;
    state.stop = null;
    state.resumable = false;
    record.state = 'running';
    record.error = null;
    record.end = null;
    const reporter = progressReporter(record, state);
    const running = startTrainer({ ...record.config, resume });
    running.onProgress(reporter.report);
    job = running;

    finishing = (async () => {
      let result: TrainingResult;
      try {
        result = await running.done;
      } catch (error) {
        reporter.flush();
        job = null;
        const cancelled = state.stop !== null;
        // A run stopped by force after a cancel is cancelled, and says how it was stopped.
        const quiet = cancelled && (error as Error).name !== TRAINING_TERMINATED;
        const end = stoppedEnd(error as Error, state.stop);
        await settle(record, { state: cancelled ? 'cancelled' : 'failed', error: quiet ? null : (error as Error).message, end });
        state.resumable = await canResume(record);
        audited('train-end', [record.startedFrom], `run ${record.runId} ended: ${end.text}`);
        events.emit('training.done', view(state));
        return;
      }
      reporter.flush();
      job = null;
      await settle(record, { state: 'comparing', candidate: modelRef(result.card), modelDir: result.modelDir, end: result.end });
      let comparison: TrainingComparison | null = null;
      let problem: string | null = null;
      try {
        comparison = await compareOnHeldOut(result.modelDir, await library.currentUnit(), await heldOutCases(record.config));
      } catch (error) {
        problem = `the model was trained, but comparing it with the current model failed: ${(error as Error).message}`;
      }
      await settle(record, { state: 'finished', comparison, error: problem });
      audited('train-end', [record.candidate, record.startedFrom], `run ${record.runId} ended: ${result.end.text}${comparison ? ` Held-out comparison: ${comparison.verdict}.` : ''}`);
      events.emit('training.done', view(state));
    })().catch((error: unknown) => {
      // Only writing run.json or the audit log can fail here: the run's outcome is still reported.
      record.state = 'failed';
      record.error = `the run's record could not be saved: ${(error as Error).message}`;
      events.emit('training.done', view(state));
    });
    return view(state);
  }

  /** The current model's or set's reference, for the audit entry of a change (a broken pointer is no reason to refuse one). */
  const currentRef = async (): Promise<string | null> => (await library.currentUnit().catch(() => null))?.ref ?? null;

  async function finishedRun(runId: string): Promise<RunRecord & { modelDir: string }> {
    const record = await findRun(runId);
    if (record.state !== 'finished' || record.modelDir === null) {
      throw new ApiError('invalid-argument', `training run ${runId} is ${record.state}; only a finished run's model can be promoted or discarded`);
    }
    return record as RunRecord & { modelDir: string };
  }

  const handlers: TrainingHandlers = {
    async 'training.start'(request) {
      checkIdle();
      const from = request.start === 'current-model' ? await startingModel(library, request) : null;
      await checkData(request.data, dataDir);
      if (request.semi?.unlabelled.kind === 'dicom-folder') await checkPath(request.semi.unlabelled.folder, 'folder', 'unlabelled DICOM folder');
      checkIdle();
      const runId = newRunId();
      const config: TrainingConfig = {
        data: request.data,
        arch: from?.card.architecture.name ?? request.arch ?? defaultArch,
        ...(from && { archOptions: from.card.architecture.options, init: from.dir }),
        plan: request.plan,
        size: from?.card.input.size ?? request.size ?? DEFAULT_SIZE,
        epochs: request.epochs,
        out: await modelDirOf(runId),
        resume: false,
        seed: randomBytes(4).readUInt32LE() >>> 1,
        checkpointEvery: CHECKPOINT_EVERY,
        folds: FOLDS,
        fold: 0,
        backend: 'auto',
        dataDir,
        ...(request.semi && { semi: request.semi }),
      };
      const record: RunRecord = {
        runId,
        request,
        state: 'running',
        startedAt: new Date().toISOString(),
        error: null,
        candidate: null,
        startedFrom: from?.ref ?? null,
        size: config.size,
        comparison: null,
        end: null,
        config,
        modelDir: null,
      };
      await save(record);
      const origin = from ? `from ${from.ref}` : `from scratch (${config.arch})`;
      audited('train-start', [record.startedFrom], `run ${runId} started ${origin}: plan ${request.plan}, ${request.epochs} epochs at ${config.size} px on ${dataLabel(request.data)}${semiLabel(request.semi)}`);
      return launch(record, false);
    },

    async 'training.cancel'() {
      if (!job || latest?.record.state !== 'running') return { cancelled: false };
      latest.record.state = 'cancelling';
      latest.stop = 'user';
      job.cancel();
      return { cancelled: true };
    },

    async 'training.resume'({ runId }) {
      checkIdle();
      const record = await findRun(runId);
      if (!RESUMABLE.includes(record.state)) {
        throw new ApiError('invalid-argument', `training run ${record.runId} is ${record.state}; only a cancelled or failed run can be resumed`);
      }
      if (!(await canResume(record))) {
        throw new ApiError('invalid-argument', `training run ${record.runId} stopped before it wrote its first checkpoint, so there is nothing to resume: start a new run`);
      }
      // The data may have changed since the run began (a file replaced by a FIFO), and its run.json by hand.
      await checkData(record.config.data, dataDir);
      record.config.out = await modelDirOf(record.runId);
      checkIdle();
      audited('train-resume', [record.startedFrom], `run ${record.runId} resumed from its last checkpoint`);
      return launch(record, true);
    },

    async 'training.status'() {
      if (latest) return { run: view(latest) };
      const record = await latestRecordOnDisk();
      return { run: record && view(await onDisk(record)) };
    },

    async 'models.list'() {
      return (await library.listModels()).map(asEntry);
    },

    async 'models.promote'({ runId }) {
      return serialised(async () => {
        const record = await finishedRun(runId);
        // Installed first, then made current by one pointer replacement: a failure leaves the current model as it was.
        const modelDir = await modelDirOf(record.runId);
        const before = await currentRef();
        const installed = await libraryCall(() => library.installModel(modelDir));
        await libraryCall(() => library.setCurrent(installed.ref));
        await settle(record, { state: 'promoted' });
        audited('promote', [installed.ref, before], `run ${record.runId}: ${installed.ref} made current${before ? `, replacing ${before}` : ''}; held-out comparison: ${record.comparison?.verdict ?? 'none'}`);
        return { ref: installed.ref, current: true, card: installed.card, error: null };
      });
    },

    async 'models.discard'({ runId }) {
      return serialised(async () => {
        const record = await finishedRun(runId);
        // Only ever the run's own folder: neither an edited run.json nor a planted link aims the deletion elsewhere.
        await rm(await modelDirOf(record.runId), { recursive: true, force: true });
        await settle(record, { state: 'discarded', modelDir: null });
        audited('discard', [record.candidate], `run ${record.runId}: ${record.candidate ?? 'its model'} discarded; held-out comparison: ${record.comparison?.verdict ?? 'none'}`);
        return { discarded: true };
      });
    },

    async 'models.restore'({ ref }) {
      return serialised(async () => {
        const before = await currentRef();
        // A set is made current as one unit here; only fine-tuning insists on a single model.
        const unit = await libraryCall(() => library.setCurrentUnit(ref));
        audited('restore', [unit.ref, before], `${unit.ref} made current again${before ? `, replacing ${before}` : ''}`);
        return unit.set
          ? { ref: unit.ref, current: true, card: null, set: unit.set, members: unit.members, error: null }
          : { ref: unit.ref, current: true, card: unit.card, error: null };
      });
    },
  };

  return {
    handlers,
    async close() {
      if (job && latest) {
        latest.record.state = 'cancelling';
        latest.stop = 'shutdown';
        job.cancel(CLOSE_GRACE_MS);
      }
      // The job ends within its grace period; a held-out comparison in progress is not waited for past the bound (its
      // run.json then says it was cut short when read again).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([finishing, new Promise((resolve) => (timer = setTimeout(resolve, closeWaitMs)))]);
      clearTimeout(timer);
    },
  };
}

// The training and models methods of the API: one training run at a time in the trainer's worker thread, its
// output under <dataDir>/training/<runId>/ (never the installed models), progress pushed at most about twice a
// second with the curve history kept here for a reloaded page, and at the end the held-out comparison with the
// current model, after which the user promotes the new model or discards it.
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { mkdir, readdir, readFile, realpath, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  ApiError,
  type ApiHandlers,
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
import { writeFileAtomically } from '../fs/atomic-file';
import { containedPath } from '../fs/contained-path';
import { MAX_MASK_TABLE_BYTES } from '../fs/read-mask-table';
import { regularFileProblem } from '../fs/regular-file';
import { systemFolderOf } from '../fs/system-folders';
import type { ModelLibrary, ModelListing } from '../models/model-library';
import { planPreset, withEpochs } from '../../ml/train/plans';
import type { TrainingProgress as TrainingProgressReport } from '../../ml/train/trainer';
import { compareOnHeldOut, heldOutCases } from './compare';
import type { TrainingConfig, TrainingResult } from './run-training';
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
  /** default: the trainer's worker thread */
  startTrainer?: StartTrainer;
  /** the architecture when the request names none (default: the light U-Net) */
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
/** Five folds, the first held out: the split the comparison scores both models on. */
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

async function checkData(data: TrainingData): Promise<void> {
  if (data.kind === 'reviewed') return;
  await checkPath(data.folder, 'folder', data.kind === 'dicom-folder' ? 'DICOM folder' : 'PNG folder');
  if (data.kind === 'dicom-folder') await checkPath(data.labels, 'file', 'mask table');
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
  const { dataDir, events, library, startTrainer = startTrainingWorker, defaultArch = DEFAULT_ARCH, throttleMs = 500, closeWaitMs = CLOSE_WAIT_MS } = options;
  const trainingRoot = path.join(dataDir, 'training');
  /** `<runId>/<name>` in the training folder, checked to stay inside it after links are resolved. */
  const inRun = async (runId: string, name: string): Promise<string> => {
    await mkdir(trainingRoot, { recursive: true });
    return containedPath(trainingRoot, `${runId}/${name}`);
  };
  /** Where a run's model goes: derived from its id, never taken from a run.json that may have been edited. */
  const modelDirOf = (runId: string) => inRun(runId, MODEL_FOLDER);

  /** The latest run of this session; earlier runs live only in their run.json. */
  let latest: { record: RunRecord; progress: TrainingProgress | null; history: TrainingPoint[] } | null = null;
  let job: TrainingJob | null = null;
  let finishing: Promise<void> = Promise.resolve();
  /** promote, discard and restore one after another, so two clicks never interleave installs and pointer writes */
  let libraryQueue: Promise<unknown> = Promise.resolve();
  const serialised = <T>(work: () => Promise<T>): Promise<T> => {
    const next = libraryQueue.then(work, work);
    libraryQueue = next.catch(() => {});
    return next;
  };

  const view = (record: RunRecord, progress: TrainingProgress | null, history: TrainingPoint[]): TrainingRun => {
    const { config: _config, modelDir: _modelDir, ...run } = record;
    return { ...run, progress, history: [...history], resumable: RESUMABLE.includes(record.state) };
  };
  const current = (): TrainingRun | null => latest && view(latest.record, latest.progress, latest.history);

  async function save(record: RunRecord): Promise<void> {
    await writeFileAtomically(await inRun(record.runId, RUN_FILE), `${JSON.stringify(record, null, 2)}\n`);
  }

  async function readRecord(runId: string): Promise<RunRecord | null> {
    try {
      // A run is the folder it was found in, whatever its run.json says.
      const record = { ...(JSON.parse(await readFile(path.join(trainingRoot, runId, RUN_FILE), 'utf8')) as RunRecord), runId };
      // A run.json that still says it is active belongs to a session that ended mid-run.
      return ACTIVE.includes(record.state) ? { ...record, state: 'failed', error: 'the application stopped during this run' } : record;
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
  function progressReporter(record: RunRecord, state: NonNullable<typeof latest>) {
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
    const state: NonNullable<typeof latest> = latest?.record === record ? latest : { record, progress: null, history: [] };
    latest = state;
    record.state = 'running';
    record.error = null;
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
        const cancelled = record.state === 'cancelling';
        // A run stopped by force after a cancel is cancelled, and says how it was stopped.
        const quiet = cancelled && (error as Error).name !== TRAINING_TERMINATED;
        await settle(record, { state: cancelled ? 'cancelled' : 'failed', error: quiet ? null : (error as Error).message });
        events.emit('training.done', view(record, state.progress, state.history));
        return;
      }
      reporter.flush();
      job = null;
      await settle(record, { state: 'comparing', candidate: modelRef(result.card), modelDir: result.modelDir });
      let comparison: TrainingComparison | null = null;
      let problem: string | null = null;
      try {
        const currentModel = await library.currentModel();
        comparison = await compareOnHeldOut(result.modelDir, currentModel?.dir ?? null, await heldOutCases(record.config));
      } catch (error) {
        problem = `the model was trained, but comparing it with the current model failed: ${(error as Error).message}`;
      }
      await settle(record, { state: 'finished', comparison, error: problem });
      events.emit('training.done', view(record, state.progress, state.history));
    })().catch((error: unknown) => {
      // Only writing run.json can fail here: the run's outcome is still reported.
      record.state = 'failed';
      record.error = `the run's record could not be saved: ${(error as Error).message}`;
      events.emit('training.done', view(record, state.progress, state.history));
    });
    return view(record, state.progress, state.history);
  }

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
      await checkData(request.data);
      checkIdle();
      const runId = newRunId();
      const config: TrainingConfig = {
        data: request.data,
        arch: request.arch ?? defaultArch,
        plan: request.plan,
        size: request.size,
        epochs: request.epochs,
        out: await modelDirOf(runId),
        resume: false,
        seed: randomBytes(4).readUInt32LE() >>> 1,
        checkpointEvery: CHECKPOINT_EVERY,
        folds: FOLDS,
        fold: 0,
        backend: 'auto',
        dataDir,
      };
      const record: RunRecord = {
        runId, request, state: 'running', startedAt: new Date().toISOString(), error: null, candidate: null, comparison: null, config, modelDir: null,
      };
      await save(record);
      return launch(record, false);
    },

    async 'training.cancel'() {
      if (!job || latest?.record.state !== 'running') return { cancelled: false };
      latest.record.state = 'cancelling';
      job.cancel();
      return { cancelled: true };
    },

    async 'training.resume'({ runId }) {
      checkIdle();
      const record = await findRun(runId);
      if (!RESUMABLE.includes(record.state)) {
        throw new ApiError('invalid-argument', `training run ${record.runId} is ${record.state}; only a cancelled or failed run can be resumed`);
      }
      // The data may have changed since the run began (a file replaced by a FIFO), and its run.json by hand.
      await checkData(record.config.data);
      record.config.out = await modelDirOf(record.runId);
      checkIdle();
      return launch(record, true);
    },

    async 'training.status'() {
      if (latest) return { run: current() };
      const record = await latestRecordOnDisk();
      return { run: record && view(record, null, []) };
    },

    async 'models.list'() {
      return (await library.listModels()).map(asEntry);
    },

    async 'models.promote'({ runId }) {
      return serialised(async () => {
        const record = await finishedRun(runId);
        // Installed first, then made current by one pointer replacement: a failure leaves the current model as it was.
        const modelDir = await modelDirOf(record.runId);
        const installed = await libraryCall(() => library.installModel(modelDir));
        await libraryCall(() => library.setCurrent(installed.ref));
        await settle(record, { state: 'promoted' });
        return { ref: installed.ref, current: true, card: installed.card, error: null };
      });
    },

    async 'models.discard'({ runId }) {
      return serialised(async () => {
        const record = await finishedRun(runId);
        // Only ever the run's own folder: neither an edited run.json nor a planted link aims the deletion elsewhere.
        await rm(await modelDirOf(record.runId), { recursive: true, force: true });
        await settle(record, { state: 'discarded', modelDir: null });
        return { discarded: true };
      });
    },

    async 'models.restore'({ ref }) {
      return serialised(async () => {
        const model = await libraryCall(() => library.setCurrent(ref));
        return { ref: model.ref, current: true, card: model.card, error: null };
      });
    },
  };

  return {
    handlers,
    async close() {
      if (job && latest) {
        latest.record.state = 'cancelling';
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

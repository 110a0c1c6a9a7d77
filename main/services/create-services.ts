// The composition root: every service of the API is built and wired here, once, for every shell (Electron, the
// loopback server, the CLI). Shell-specific abilities (the native folder dialog) come in as plain functions.
import { ApiError, type ApiHandlers } from '../api/contract';
import { EventHub } from '../api/events';
import { explainingIndexErrors } from '../studies/index-errors';
import type { DataDirLock, LockRequest } from './data-dir-lock';
import { refillRebuiltIndex } from './index-rebuild';
import { openDataDir } from './open-data-dir';
import { createStudiesService, type ImageDecoder } from './studies-service';
import { createDecodePool, type DecodePool } from '../studies/decode-pool';
import { createModelLibrary } from '../models/model-library';
import { createQuantizeService } from '../models/quantize-service';
import { createTrainingService, type TrainingServiceOptions } from '../training/service';
import { createSettingsService } from '../settings/settings-service';
import { startFirstRun, type FirstRunOptions } from '../first-run/first-run';
import { createTriageStore } from '../triage/results-store';
import { createTriageService } from '../triage/service';
import type { WeightedModel } from '../triage/triage-config';
import { createReviewService } from '../review/service';
import { exportForbiddenFolders } from '../exports/export-folder';
import { createExportService } from '../exports/service';
import { logEvents, logExports } from './log-operations';
import { openOperationLog, type OperationLog } from './operation-log';
import { createPacsService, type PacsService } from '../pacs/service';
import { environmentSecrets, type PacsSecrets } from '../pacs/secrets';

export interface ServicesOptions {
  dataDir: string;
  shell: 'electron' | 'browser';
  /** The native folder dialog, where the shell has one; resolves null when the user cancels. */
  pickFolder?: () => Promise<string | null>;
  version: string;
  /** The shells that open the workstation (Electron, serve) pass the bundled model's folder and get the first run. */
  firstRun?: Pick<FirstRunOptions, 'bundledModel' | 'samples'>;
  /** Where scans, triage jobs, training runs and exports are recorded; <dataDir>/logs alone when absent. */
  log?: OperationLog;
  /**
   * How this process takes the data directory (one process at a time uses it): its name to others, and how long to
   * wait for one that holds it. By default the shell's ('start' for Electron, 'serve' for the browser), no wait.
   */
  lock?: Omit<LockRequest, 'now'>;
  /** For tests: a scripted stand-in for the trainer's worker thread and a shorter progress throttle. */
  training?: Pick<TrainingServiceOptions, 'startTrainer' | 'throttleMs'>;
  /**
   * Where the PACS secret is kept (PLEURA_PACS_PASSWORD by default; Electron's safeStorage in the app), and whether
   * the PACS work runs by itself (polling, the listener, results sent after reviews): the workstation's shells turn
   * it on; the CLI drives its PACS work itself.
   */
  pacs?: { secrets?: PacsSecrets; background?: boolean };
}

export interface Services {
  handlers: ApiHandlers;
  events: EventHub;
  /** Settles when the first run has done what it will (the sample triage then runs on); absent without one. */
  firstRun?: Promise<void>;
  /** This process's hold on the data directory: `serve` announces its address through it. */
  dataDirLock: DataDirLock;
  /** Settles when a damaged index, replaced at start, has its reviews back and its folders rescanned; absent otherwise. */
  rebuilt?: Promise<void>;
  /** The PACS work, for the CLI's headless node (`pleura pacs sync|listen`). */
  pacs: PacsService;
  /** Stops scans and decode workers and closes the index; the handlers must not be called afterwards. */
  close(): Promise<void>;
}

export function createServices({ dataDir, shell, pickFolder, version, firstRun: firstRunOptions, log = openOperationLog(dataDir), lock, training: trainingOptions, pacs: pacsOptions }: ServicesOptions): Services {
  const data = openDataDir(dataDir, lock ?? { command: shell === 'electron' ? 'start' : 'serve' });
  const { index, indexFile, recovery, audit } = data;
  if (recovery) log.record('index.damaged', { problem: recovery.problem, movedTo: recovery.movedTo });
  const events = new EventHub();
  logEvents(events, log);

  // Decode workers start on the first image request: a scan from the CLI never needs them.
  let pool: DecodePool | undefined;
  const decoder = (): ImageDecoder => (pool ??= createDecodePool());

  const library = createModelLibrary(dataDir);
  const settings = createSettingsService({
    store: data.settings,
    audit,
    currentModels: async () => (await currentModels()).map((model) => model.ref),
    installedModels: async () => (await library.listModels()).filter((model) => model.error === null).map((model) => model.ref),
    twoStageSets: async () => (await library.listModels()).filter((model) => model.set?.combination.kind === 'two-stage').map((model) => model.ref),
  });
  /** What triage runs: the current model or model set (weight 1), then the settings' ensemble members. */
  async function currentModels(): Promise<WeightedModel[]> {
    const current = await library.currentUnit();
    if (!current) return [];
    const { ensemble } = settings.current();
    const others = ensemble.filter((member) => member.ref !== current.ref);
    const listing = others.length ? await library.listModels() : [];
    const members = others.map((member): WeightedModel => {
      const found = listing.find((model) => model.ref === member.ref);
      if (!found || found.error !== null) throw new ApiError('unavailable', `the ensemble's ${member.ref} cannot be used: ${found?.error ?? 'it is not installed'}`);
      const { ref, dir } = found;
      return found.set ? { ref, dir, set: found.set, members: found.members, weight: member.weight } : { ref, dir, card: found.card, weight: member.weight };
    });
    return [{ ...current, weight: 1 }, ...members];
  }
  const triageStore = createTriageStore(index.database);
  const triage = createTriageService({ store: triageStore, events, getSettings: async () => settings.current(), currentModels });
  const studies = createStudiesService({ index, indexFile, events, decoder, triageSummaries: triage.studySummaries, roots: data.roots });
  const reviewer = () => settings.current().reviewer;
  const training = createTrainingService({ ...trainingOptions, dataDir, events, library, audit, reviewer });
  const quantize = createQuantizeService({ dataDir, events, library, audit, reviewer });
  const review = createReviewService({ db: index.database, store: triageStore, dataDir, events, reviewer, triageContext: triage.context, scannedRoots: () => studies.roots(), audit });
  const exporter = createExportService({
    store: triageStore,
    audit,
    worklist: (summaries) => index.worklist(summaries),
    forbiddenFolders: () => exportForbiddenFolders(index.database, studies.roots(), dataDir),
    decode: (file) => decoder().decode(file),
    reviewer,
    triageContext: triage.context,
    softwareVersion: version,
  });

  const pacs = createPacsService({
    dataDir,
    events,
    secrets: pacsOptions?.secrets ?? environmentSecrets(),
    store: triageStore,
    triageContext: triage.context,
    decode: (file) => decoder().decode(file),
    softwareVersion: version,
    indexedInstances: (studyInstanceUids) => index.instanceUidsOfStudies(studyInstanceUids),
    scan: (root) => studies.handlers['studies.scan']({ path: root }),
    startTriage: (studyInstanceUids) => triage.handlers['triage.start']({ studyInstanceUids }),
    audit,
    reviewer,
    background: pacsOptions?.background ?? false,
  });

  // One index behind every method: whichever meets a failure of it says the same thing about it.
  const handlers: ApiHandlers = explainingIndexErrors({
    async 'app.info'() {
      return {
        name: 'Pleura',
        version,
        shell,
        dataDir,
        roots: studies.roots(),
        canPickFolder: pickFolder !== undefined,
        demo: firstRun?.demo() ?? null,
        indexRecovery: recovery,
      };
    },
    async 'app.pickFolder'() {
      return { path: pickFolder ? await pickFolder() : null };
    },
    ...studies.handlers,
    ...training.handlers,
    ...quantize.handlers,
    ...settings.handlers,
    ...triage.handlers,
    ...review.handlers,
    ...exporter.handlers,
    ...pacs.handlers,
    ...logExports({ 'exports.run': exporter.handlers['exports.run'], 'audit.export': review.handlers['audit.export'] }, log),
  } satisfies ApiHandlers, indexFile);
  const firstRun = firstRunOptions && startFirstRun({ ...firstRunOptions, dataDir, handlers, library, roots: studies.roots });
  const rebuilt =
    recovery &&
    refillRebuiltIndex({ dataDir, store: triageStore, roots: studies.roots(), scan: (root) => handlers['studies.scan']({ path: root }), log });

  return {
    handlers,
    events,
    firstRun: firstRun?.done,
    dataDirLock: data.lock,
    rebuilt: rebuilt || undefined,
    pacs,
    async close() {
      // Stops the first run between steps before the scans it may wait on are cancelled.
      const firstRunStopped = firstRun?.close();
      // A PACS job may be waiting on a scan or a triage job: it ends first.
      await pacs.close();
      await studies.close();
      await triage.close();
      await training.close();
      await quantize.close();
      await settings.close();
      await firstRunStopped;
      await pool?.close();
      await rebuilt;
      data.close();
    },
  };
}

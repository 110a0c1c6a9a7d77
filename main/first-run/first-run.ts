// The first start of the workstation: with nothing indexed and no marker in the data directory, it makes the bundled
// demonstration model current (when no model is), writes sample studies, scans them and starts their triage, so a
// new user sees the whole workflow at once. Every step's failure is logged and put in the demo note, and none stops
// the app; the marker records the outcome so later starts do nothing.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { modelRef } from '../../ml/io/model-card';
import { readModelCard } from '../../ml/io/model-store';
import type { ApiHandlers, DemoInfo } from '../api/contract';
import { writeFileAtomically } from '../fs/atomic-file';
import { ModelFolderError } from '../../ml/io/model-folder-error';
import type { InstalledModel, InstalledUnit, ModelLibrary } from '../models/model-library';
import { sampleSpec, writeSampleStudiesInWorker, type SampleSpec } from './sample-studies';
import type { OneShotWorker } from '../workers/run-once';

/** The bundled model's folder under the repository (sources) or the app's resources (packaged, electron-builder extraResources). */
export function bundledModelDir(root: string): string {
  return path.join(root, 'models', 'pleura-demo');
}

export const MARKER_FILE = 'first-run.json';
/** Set to 1 for a bare data directory: no sample studies, no model installed (tests that need an empty worklist). */
export const SKIP_VARIABLE = 'PLEURA_NO_SAMPLES';

const Marker = z.object({ at: z.iso.datetime(), demo: z.object({ sampleFolder: z.string(), modelRef: z.string().nullable(), note: z.string() }).nullable() });
type Marker = z.infer<typeof Marker>;
/** What the marker records; whether the first run is still under way is this process's to know. */
type Demo = NonNullable<Marker['demo']>;

export type FirstRunHandlers = Pick<ApiHandlers, 'studies.scan' | 'studies.worklist' | 'triage.start'>;

export interface FirstRunOptions {
  dataDir: string;
  /** the demonstration model's folder (see bundledModelDir) */
  bundledModel: string;
  handlers: FirstRunHandlers;
  library: ModelLibrary;
  /** folders scanned so far */
  roots: () => string[];
  log?: (line: string) => void;
  /** smaller sample sets for tests */
  samples?: Partial<Omit<SampleSpec, 'out'>>;
}

export interface FirstRun {
  /** settles when the first run has done what it will (it never rejects) */
  done: Promise<void>;
  /** AppInfo.demo: while the sample folder is indexed (or this start's first run is under way, `preparing`) */
  demo(): DemoInfo | null;
  /** Stops between steps (a sample set being written is abandoned); the caller cancels scans. */
  close(): Promise<void>;
}

export function startFirstRun(options: FirstRunOptions): FirstRun {
  const { dataDir, handlers, library } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`pleura: first run: ${line}\n`));
  const markerFile = path.join(dataDir, MARKER_FILE);
  const spec = sampleSpec(dataDir, options.samples);
  let demo: Demo | null = null;
  /** this start made the samples: its note (failures included) stays up until the app closes */
  let ranHere = false;
  let settled = false;
  let closing = false;
  let samples: OneShotWorker<unknown> | undefined;

  async function run(): Promise<void> {
    const marker = await readMarker(markerFile);
    if (marker) return void (demo = marker.demo);
    if (process.env[SKIP_VARIABLE] === '1') return log(`${SKIP_VARIABLE}=1: no sample studies`);
    if (!(await isFresh())) return writeMarker(null);

    const failures: string[] = [];
    let model: { ref: string; notes: string } | null = null;
    const attempt = async <T>(what: string, step: () => Promise<T>): Promise<T | null> => {
      if (closing) return null;
      try {
        return await step();
      } catch (error) {
        if (closing) return null;
        const message = `${what} failed: ${(error as Error).message}`;
        log(message);
        failures.push(message);
        demo = { ...demo!, note: noteOf(model?.notes ?? null, failures) };
        return null;
      }
    };

    ranHere = true;
    demo = { sampleFolder: spec.out, modelRef: null, note: 'Preparing the sample studies and the demonstration model…' };
    model = await attempt('making the demonstration model current', async () => {
      const { unit } = await ensureCurrentUnit(library, options.bundledModel);
      return { ref: unit.ref, notes: unit.set ? unit.set.notes : unit.card.notes };
    });
    demo = { sampleFolder: spec.out, modelRef: model?.ref ?? null, note: noteOf(model?.notes ?? null, failures) };
    const written = await attempt('writing the sample studies', () => {
      samples = writeSampleStudiesInWorker(spec);
      return samples.result;
    });
    const scanned = written && (await attempt('scanning the sample studies', () => handlers['studies.scan']({ path: spec.out })));
    if (scanned && model) {
      // Auto-triage may have queued the new files already: a start then joins that job.
      await attempt('starting the triage of the sample studies', () => handlers['triage.start']({}));
    }
    if (closing) return;
    log(`sample studies in ${spec.out}${model ? `, model ${model.ref}` : ''}${failures.length ? `; ${failures.length} step(s) failed` : ''}`);
    await writeMarker(demo);
  }

  /** Nothing indexed yet, or only the sample folder (a first run interrupted before its marker). */
  async function isFresh(): Promise<boolean> {
    const roots = options.roots();
    return roots.every((root) => root === spec.out) || (await handlers['studies.worklist']({})).length === 0;
  }

  async function writeMarker(recorded: Demo | null): Promise<void> {
    const marker: Marker = { at: new Date().toISOString(), demo: recorded };
    await writeFileAtomically(markerFile, `${JSON.stringify(marker, null, 2)}\n`);
  }

  const done = run()
    .catch((error: unknown) => log(`stopped: ${(error as Error).message}`))
    .finally(() => {
      settled = true;
    });

  return {
    done,
    demo() {
      if (!demo) return null;
      return ranHere || options.roots().includes(demo.sampleFolder) ? { ...demo, preparing: ranHere && !settled } : null;
    },
    async close() {
      closing = true;
      await samples?.terminate();
      await done;
    },
  };
}

/**
 * The current model or model set, else the bundled model, installed (once) and made current: what the first run
 * triages the samples with. `installed`: this call made the bundled model current. Only a missing or unusable
 * pointer is replaced: a current set is kept (currentModel refuses a set, and that refusal must not read as "no model").
 */
export async function ensureCurrentUnit(library: ModelLibrary, bundled: string): Promise<{ unit: InstalledUnit; installed: boolean }> {
  const current = await library.currentUnit().catch(() => null);
  if (current) return { unit: current, installed: false };
  const card = await readModelCard(bundled).catch((error: Error) => {
    throw new Error(`no usable demonstration model at ${bundled}: ${error.message}`);
  });
  const ref = modelRef(card);
  const present = (await library.listModels()).some((model) => model.ref === ref && model.card !== null);
  if (!present) await library.installModel(bundled);
  return { unit: await library.setCurrent(ref), installed: true };
}

/** ensureCurrentUnit where one model is needed (the command line checks for a current set before): a set is refused, never replaced. */
export async function ensureCurrentModel(library: ModelLibrary, bundled: string): Promise<{ model: InstalledModel; installed: boolean }> {
  const { unit, installed } = await ensureCurrentUnit(library, bundled);
  if (unit.set) throw new ModelFolderError(`the current ${unit.ref} is a model set, not one model; it stays current`);
  return { model: unit, installed };
}

/** The model card's notes (what the model is, that it is not for clinical use), then what went wrong. */
export function noteOf(modelNotes: string | null, failures: readonly string[]): string {
  const about = modelNotes ?? 'No model is installed, so the sample studies are not triaged.';
  return failures.length === 0 ? about : `${about} First run: ${failures.join('; ')}.`;
}

async function readMarker(file: string): Promise<Marker | null> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (text === null) return null;
  // A damaged marker still means the first run happened: better no demo note than samples written twice.
  try {
    return Marker.parse(JSON.parse(text));
  } catch {
    return { at: new Date(0).toISOString(), demo: null };
  }
}

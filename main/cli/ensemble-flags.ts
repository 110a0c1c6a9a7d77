// The flags every command that runs models shares (predict, triage): which model folders or model sets, their
// ensemble weights, the engine, flip TTA and the input size; the model run without --model; and loading those models
// with a clear message when one cannot be.
import { normaliseWeights, ttaModes, type TtaMode } from '../../ml/infer';
import { engineNames, type EngineName } from '../../ml/runtime/engine';
import { bundledModelDir, ensureCurrentModel } from '../first-run/first-run';
import { disposeEnsemble, loadEnsemble, ModelLoadError, type EnsembleMember } from '../inference/load-ensemble';
import { planRun, readRunUnit, RunPlanError, type RunPlan } from '../inference/run-plan';
import { createModelLibrary } from '../models/model-library';
import { isDemonstrationModel } from '../triage/triage-config';
import { repositoryRoot } from './repository-root';
import type { CliCommand } from './run';

export const ensembleFlags = {
  model: { type: 'string', multiple: true },
  weights: { type: 'string' },
  engine: { type: 'string', default: 'onnx' },
  tta: { type: 'string', default: 'hflip' },
  size: { type: 'string' },
} satisfies CliCommand['options'];

export const ensembleUsage = '[--weights 0.6,0.4] [--engine onnx|tfjs] [--tta none|hflip] [--size N]';

export type EnsembleArgs = {
  /** as given; may be empty where the command has a default model */
  models: string[];
  /** normalised, one per model (one when no model is given) */
  weights: number[];
  engine: EngineName;
  tta: TtaMode;
  /** the input size override; null: each model's card size */
  size: number | null;
};

/** The shared flags, checked; `fail` throws the command's usage error. */
export function ensembleArgs(values: Record<string, unknown>, fail: (message: string) => never): EnsembleArgs {
  const models = (values.model as string[] | undefined) ?? [];
  const engine = values.engine as string;
  if (!(engineNames as readonly string[]).includes(engine)) fail(`--engine must be one of ${engineNames.join(', ')}, got "${engine}"`);
  const tta = values.tta as string;
  if (!(ttaModes as readonly string[]).includes(tta)) fail(`--tta must be one of ${ttaModes.join(', ')}, got "${tta}"`);
  const size = values.size as string | undefined;
  if (size !== undefined && !/^[1-9]\d*$/.test(size)) fail(`--size must be a positive whole number of pixels, got "${size}"`);
  let weights: number[] = [];
  try {
    const given = typeof values.weights === 'string' ? values.weights.split(',').map((w) => (w.trim() === '' ? NaN : Number(w))) : undefined;
    weights = normaliseWeights(Math.max(1, models.length), given);
  } catch (error) {
    fail(`--weights: ${(error as Error).message}`);
  }
  return { models, weights, engine: engine as EngineName, tta: tta as TtaMode, size: size === undefined ? null : Number(size) };
}

export const NO_MODEL =
  'no model is current and the bundled demonstration model could not be installed; install one with `pleura models install` or `pleura import-torch … --install --set-current`, or pass --model';

/**
 * The folders given with --model, else the current model's. A data directory with none gets the bundled
 * demonstration model installed and made current, as the workstation's first run does. A model not given is named on
 * stderr, and a demonstration model is called one; null (said on stderr) when there is no model to run.
 */
export async function modelDirsOrCurrent(given: readonly string[]): Promise<string[] | null> {
  if (given.length > 0) return [...given];
  const library = createModelLibrary();
  // A current model set is used as it is; ensureCurrentModel gives single models only and refuses a set.
  const current = await library.currentUnit().catch(() => null);
  if (current?.set) {
    process.stderr.write(`pleura: using the current model set ${current.ref} (${current.set.combination.kind}: ${current.members.map((m) => `${m.id}@${m.version}`).join(', ')})\n`);
    return [current.dir];
  }
  let chosen;
  try {
    chosen = await ensureCurrentModel(library, bundledModelDir(repositoryRoot));
  } catch (error) {
    process.stderr.write(`pleura: ${NO_MODEL} (${(error as Error).message})\n`);
    return null;
  }
  const { model, installed } = chosen;
  const what = installed ? `no model was installed, so the bundled model ${model.ref} is now installed and current` : `using the current model ${model.ref}`;
  const demonstration = isDemonstrationModel(model.card) ? ' (a demonstration model, not for clinical use)' : '';
  process.stderr.write(`pleura: ${what}${demonstration}\n`);
  return [model.dir];
}

/**
 * Reads the folders (each a model folder or a model set, with its weight), plans the run (planRun), loads every
 * model, runs `use` and frees them whatever happens. A folder that cannot be read or loaded is reported on stderr as
 * `pleura: model: DIR: reason`, units that cannot run together as `pleura: model: reason`; both give exit code 1.
 */
export async function withEnsemble(
  dirs: readonly string[],
  weights: readonly number[],
  engine: EngineName,
  use: (members: EnsembleMember[], plan: RunPlan) => Promise<number>,
): Promise<number> {
  let members: EnsembleMember[];
  let plan: RunPlan;
  try {
    plan = planRun(await Promise.all(dirs.map((dir, k) => readRunUnit(dir, weights[k]))));
    members = await loadEnsemble(plan.models.map((model) => model.dir), { engine });
  } catch (error) {
    if (error instanceof RunPlanError) {
      process.stderr.write(`pleura: model: ${error.message}\n`);
      return 1;
    }
    if (!(error instanceof ModelLoadError)) throw error;
    process.stderr.write(`pleura: model: ${error.dir}: ${error.message}\n`);
    return 1;
  }
  try {
    return await use(members, plan);
  } finally {
    await disposeEnsemble(members);
  }
}

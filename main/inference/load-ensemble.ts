// The models of one run, each in its own inference worker beside its card: loaded together, failing as one (a
// model that cannot be loaded frees the others and names its folder), fed at the card's size or the user's.
import { readModelCard } from '../../ml/io/model-store';
import type { ModelCard } from '../../ml/io/model-card';
import type { InferenceModel } from '../../ml/infer';
import type { EngineName } from '../../ml/runtime/engine';
import { spawnEngine, type EngineClient } from './engine-client';

export type EnsembleMember = { dir: string; card: ModelCard; engine: EngineClient };

/** A model folder that could not be loaded; the message is the underlying reason. */
export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
  constructor(
    readonly dir: string,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

export async function loadEnsemble(dirs: readonly string[], options: { engine: EngineName; threads?: number }): Promise<EnsembleMember[]> {
  const settled = await Promise.allSettled(
    dirs.map(async (dir): Promise<EnsembleMember> => {
      const card = await readModelCard(dir);
      return { dir, card, engine: await spawnEngine({ engine: options.engine, source: { dir }, threads: options.threads }) };
    }),
  );
  const loaded = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.findIndex((s) => s.status === 'rejected');
  if (failed < 0) return loaded;
  await disposeEnsemble(loaded);
  throw new ModelLoadError(dirs[failed], (settled[failed] as PromiseRejectedResult).reason);
}

export async function disposeEnsemble(members: readonly EnsembleMember[]): Promise<void> {
  await Promise.all(members.map((member) => member.engine.dispose()));
}

/** What inferRadiograph needs of each member: square input at `size`, or the card's size when null. */
export function inferenceModels(members: readonly EnsembleMember[], size: number | null): InferenceModel[] {
  return members.map(({ engine }) => {
    const side = size ?? engine.loaded.input.size;
    return { engine, inputSize: { rows: side, columns: side }, normalisation: engine.loaded.input.normalisation };
  });
}

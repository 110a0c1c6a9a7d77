// What every new model folder starts from, whether its weights are imported or drawn at random: an architecture
// built from checked options and a card body that records how.
import { checkInputSize, createModel, initialWeights, type ModelDefinition } from '../models';
import { checkReplaceable } from './atomic-folder';
import { describeModel, type ModelCard, type ModelCardBody, type Provenance } from './model-card';
import { ModelFolderError } from './model-folder-error';
import { writeModel, type WriteModelOptions } from './model-store';

export type ArchOptionValue = number | boolean | string;

export interface NewModelOptions {
  arch: string;
  archOptions?: Record<string, ArchOptionValue>;
  /** square input size; 512 unless given */
  size?: number;
  /** defaults to the architecture's name */
  id?: string;
  /** defaults to the UTC time of creation, YYYYMMDD-HHMMSS, so versions sort by age */
  version?: string;
  /** "pleura <version>" */
  tool: string;
  notes?: string;
  now?: Date;
}

/**
 * createModel, refusing options the architecture does not take (an option it ignores would leave the card
 * claiming a model it is not) and an input size it cannot run at.
 */
export function buildArchitecture(arch: string, archOptions: Record<string, ArchOptionValue> = {}, size = 512): ModelDefinition {
  let definition: ModelDefinition;
  try {
    definition = createModel(arch, archOptions);
    checkInputSize(definition.metadata, size, size);
  } catch (error) {
    throw new ModelFolderError(`cannot build ${arch} with ${JSON.stringify(archOptions)} at ${size}x${size}: ${(error as Error).message}`);
  }
  const built = definition.metadata.options;
  for (const [key, value] of Object.entries(archOptions)) {
    if (!Object.hasOwn(built, key)) {
      const known = Object.keys(built).join(', ') || 'none';
      throw new ModelFolderError(`${arch} has no option "${key}" (its options: ${known})`);
    }
    if (built[key] !== value) throw new ModelFolderError(`${arch} does not take ${key}=${String(value)}; it is fixed at ${String(built[key])}`);
  }
  return definition;
}

export function versionStamp(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, '').replace(/[-:]/g, '').replace('T', '-');
}

export function newCardBody(
  definition: ModelDefinition,
  options: NewModelOptions,
  provenance: Pick<Provenance, 'source' | 'file' | 'sha256' | 'seed'>,
  defaultNotes: string,
): ModelCardBody {
  const now = options.now ?? new Date();
  return describeModel(definition, {
    id: options.id ?? definition.metadata.arch,
    version: options.version ?? versionStamp(now),
    size: options.size,
    createdAt: now.toISOString(),
    notes: options.notes ?? defaultNotes,
    provenance: { ...provenance, importedAt: now.toISOString(), tool: options.tool },
  });
}

/** An untrained model from the architecture's seeded initialisation: exercises the whole pipeline, no download. */
export async function writeRandomModel(out: string, options: NewModelOptions & { seed: number }, writeOptions?: WriteModelOptions): Promise<ModelCard> {
  const definition = buildArchitecture(options.arch, options.archOptions, options.size);
  await checkReplaceable(out, writeOptions?.overwrite);
  const weights = initialWeights(definition.graph, options.seed);
  const notes = `Untrained: random initial weights (seed ${options.seed}). Its outputs mean nothing; it exists to exercise the pipeline. Not for clinical use.`;
  const card = newCardBody(definition, options, { source: 'random-init', file: null, sha256: null, seed: options.seed }, notes);
  return writeModel(out, { definition, weights, card }, writeOptions);
}

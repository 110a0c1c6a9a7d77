// `pleura import-torch WEIGHTS --arch A --out MODELDIR`: a PyTorch state_dict (torch.save zip or .safetensors)
// becomes a Pleura model folder (TF.js weights, ONNX graph, card), optionally installed and made current.
// The flags that describe a new model folder are shared with `pleura models init`.
import path from 'node:path';
import { version } from '../../../package.json';
import { importTorchModel } from '../../../ml/io/import-torch';
import { modelRef, type ModelCard } from '../../../ml/io/model-card';
import { ModelFolderError } from '../../../ml/io/model-folder-error';
import type { ArchOptionValue, NewModelOptions } from '../../../ml/io/new-model';
import { StateDictMismatchError, StateDictReadError } from '../../../ml/io/torch';
import { architectureNames } from '../../../ml/models';
import { createModelLibrary } from '../../models/model-library';
import { CliUsageError, type CliCommand } from '../run';

type Values = Parameters<CliCommand['run']>[0]['values'];

export const newModelFlags = {
  arch: { type: 'string' },
  'arch-option': { type: 'string', multiple: true },
  size: { type: 'string' },
  out: { type: 'string' },
  id: { type: 'string' },
  'model-version': { type: 'string' },
  notes: { type: 'string' },
  force: { type: 'boolean' },
  install: { type: 'boolean' },
  'set-current': { type: 'boolean' },
} satisfies CliCommand['options'];

export const newModelUsage = `--arch ${architectureNames().join('|')} [--arch-option KEY=VALUE …] [--size 512] --out MODELDIR `
  + '[--id ID] [--model-version V] [--notes TEXT] [--force] [--install] [--set-current]';

/** `nf=32` → { nf: 32 }; `frozenBatchNorm=false` → { frozenBatchNorm: false }; anything else stays a string. */
export function parseArchOptions(pairs: readonly string[]): Record<string, ArchOptionValue> {
  const options: Record<string, ArchOptionValue> = {};
  for (const pair of pairs) {
    const match = /^([A-Za-z_]\w*)=(.+)$/.exec(pair);
    if (!match) throw new CliUsageError(`--arch-option expects KEY=VALUE, got "${pair}"`);
    const [, key, text] = match;
    options[key] = text === 'true' ? true : text === 'false' ? false : /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
  }
  return options;
}

/** The new-model flags as NewModelOptions, and the output folder; usage errors for what is missing or malformed. */
export function newModelOptions(values: Values, usage: string): { out: string; options: NewModelOptions } {
  const { arch, out, size } = values;
  if (typeof arch !== 'string' || typeof out !== 'string') throw new CliUsageError(`--arch and --out are required\nusage: pleura ${usage}`);
  if (size !== undefined && !/^[1-9]\d*$/.test(String(size))) throw new CliUsageError(`--size must be a positive whole number of pixels, got "${String(size)}"`);
  const text = (key: string) => (typeof values[key] === 'string' ? (values[key] as string) : undefined);
  return {
    out: path.resolve(out),
    options: {
      arch,
      archOptions: parseArchOptions((values['arch-option'] as string[] | undefined) ?? []),
      size: size === undefined ? undefined : Number(size),
      id: text('id'),
      version: text('model-version'),
      notes: text('notes'),
      tool: `pleura ${version}`,
    },
  };
}

/** Installs and makes current as the flags ask, then prints one JSON line saying what was done. */
export async function publishNewModel(out: string, card: ModelCard, values: Values): Promise<number> {
  const library = createModelLibrary();
  const installed = values.install || values['set-current'] ? await library.installModel(out) : null;
  if (installed && values['set-current']) await library.setCurrent(installed.ref);
  const { name, options, parameters } = card.architecture;
  const summary = {
    model: modelRef(card),
    out,
    arch: name,
    options,
    parameters,
    source: card.provenance.source,
    installed: installed?.dir ?? null,
    current: Boolean(values['set-current']),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return 0;
}

/**
 * Errors in what the user handed over (a file, a folder, a reference) and file-system failures (node's errors
 * name the path) end the command with a message, not a trace.
 */
export function reportModelError(error: unknown): number {
  const known = error instanceof ModelFolderError || error instanceof StateDictMismatchError || error instanceof StateDictReadError;
  if (!known && (error as NodeJS.ErrnoException)?.syscall === undefined) throw error;
  process.stderr.write(`pleura: ${(error as Error).message}\n`);
  return 1;
}

export const importTorch: CliCommand = {
  usage: `import-torch WEIGHTS ${newModelUsage}`,
  summary: 'turn PyTorch weights (torch.save state_dict or .safetensors) into a Pleura model folder: TF.js weights, model.onnx, card.json',
  options: newModelFlags,
  async run({ positionals, values }) {
    if (positionals.length !== 1) throw new CliUsageError(`expected one weights file\nusage: pleura ${importTorch.usage}`);
    const { out, options } = newModelOptions(values, importTorch.usage);
    try {
      const card = await importTorchModel(positionals[0], out, options, { overwrite: Boolean(values.force) });
      return await publishNewModel(out, card, values);
    } catch (error) {
      return reportModelError(error);
    }
  },
};

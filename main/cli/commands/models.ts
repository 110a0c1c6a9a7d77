// `pleura models list|current|set-current|install|init`: the models installed in the data directory
// (PLEURA_DATA_DIR or the per-user data folder) and the pointer to the one in use.
import path from 'node:path';
import { modelRef, type ModelCard } from '../../../ml/io/model-card';
import { writeRandomModel } from '../../../ml/io/new-model';
import { createModelLibrary, type ModelListing } from '../../models/model-library';
import { CliUsageError, type CliCommand } from '../run';
import { newModelFlags, newModelOptions, newModelUsage, publishNewModel, reportModelError } from './import-torch';

const usage = [
  'models list [--json]',
  'models current [--json]',
  'models set-current ID@VERSION',
  'models install MODELDIR [--set-current]',
  `models init ${newModelUsage} [--seed 0]`,
].join('\n  pleura ');

/** One line per model: reference, architecture and options, input size, where the weights came from. */
export function describeCard(card: ModelCard): string {
  const options = Object.entries(card.architecture.options).map(([k, v]) => `${k}=${String(v)}`).join(' ');
  const source = card.provenance.file ? `${card.provenance.source} ${card.provenance.file}` : card.provenance.source;
  return `${modelRef(card)}  ${card.architecture.name}${options ? ` ${options}` : ''}  ${card.input.size}px  ${source}`;
}

function listingLine(entry: ModelListing): string {
  const mark = entry.current ? '*' : ' ';
  return `${mark} ${entry.card ? describeCard(entry.card) : `${entry.ref}  unusable: ${entry.error}`}`;
}

async function runModels(positionals: string[], values: Parameters<CliCommand['run']>[0]['values']): Promise<number> {
  const [sub, ...args] = positionals;
  const expectArgs = (n: number) => {
    if (args.length !== n) throw new CliUsageError(`usage: pleura ${usage}`);
  };
  const library = createModelLibrary();
  const print = (json: unknown, text: string) => process.stdout.write(values.json ? `${JSON.stringify(json, null, 2)}\n` : `${text}\n`);
  switch (sub) {
    case 'list': {
      expectArgs(0);
      const models = await library.listModels();
      print(models, models.length ? models.map(listingLine).join('\n') : `no models installed in ${library.root}`);
      return 0;
    }
    case 'current': {
      expectArgs(0);
      const current = await library.currentModel();
      print(current, current ? `${describeCard(current.card)}\n${current.dir}` : 'no current model; choose one with pleura models set-current ID@VERSION');
      return 0;
    }
    case 'set-current': {
      expectArgs(1);
      const model = await library.setCurrent(args[0]);
      process.stdout.write(`current model: ${describeCard(model.card)}\n`);
      return 0;
    }
    case 'install': {
      expectArgs(1);
      const model = await library.installModel(path.resolve(args[0]));
      if (values['set-current']) await library.setCurrent(model.ref);
      process.stdout.write(`installed ${describeCard(model.card)}${values['set-current'] ? ' (current)' : ''}\n${model.dir}\n`);
      return 0;
    }
    case 'init': {
      expectArgs(0);
      const { out, options } = newModelOptions(values, models.usage);
      const seed = values.seed === undefined ? 0 : Number(values.seed);
      if (!Number.isSafeInteger(seed)) throw new CliUsageError(`--seed must be a whole number, got "${String(values.seed)}"`);
      const card = await writeRandomModel(out, { ...options, seed }, { overwrite: Boolean(values.force) });
      return publishNewModel(out, card, values);
    }
    default:
      throw new CliUsageError(`unknown models subcommand "${sub ?? ''}"\nusage: pleura ${usage}`);
  }
}

export const models: CliCommand = {
  usage,
  summary: 'list the installed models, show or set the current one, install a model folder, or make an untrained one (init)',
  options: { ...newModelFlags, seed: { type: 'string' }, json: { type: 'boolean' } },
  async run({ positionals, values }) {
    try {
      return await runModels(positionals, values);
    } catch (error) {
      return reportModelError(error);
    }
  },
};

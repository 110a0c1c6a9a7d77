// `pleura models list|current|set-current|install|init|make-set|quantize`: the models and model sets installed in the
// data directory (PLEURA_DATA_DIR or the per-user data folder) and the pointer to the one in use.
import path from 'node:path';
import { modelRef, type ModelCard } from '../../../ml/io/model-card';
import type { ModelSetCard } from '../../../ml/io/model-set';
import { writeRandomModel } from '../../../ml/io/new-model';
import { createModelLibrary, type InstalledUnit, type ModelListing } from '../../models/model-library';
import { CliUsageError, type CliCommand } from '../run';
import { newModelFlags, newModelOptions, newModelUsage, publishNewModel, reportModelError } from './import-torch';
import { makeSet, makeSetFlags, makeSetUsage } from './make-set';
import { quantize, quantizeFlags, quantizeUsage } from './quantize';

const usage = [
  'models list [--json]',
  'models current [--json]',
  'models set-current ID@VERSION',
  'models install MODELDIR|SETDIR [--set-current]',
  `models init ${newModelUsage} [--seed 0]`,
  makeSetUsage,
  quantizeUsage,
].join('\n  pleura ');

/** One line per model: reference, architecture and options, input size (and INT8), where the weights came from. */
export function describeCard(card: ModelCard): string {
  const options = Object.entries(card.architecture.options).map(([k, v]) => `${k}=${String(v)}`).join(' ');
  const source = card.provenance.file ? `${card.provenance.source} ${card.provenance.file}` : card.provenance.source;
  const int8 = card.quantization ? `  int8 of ${card.quantization.source}` : '';
  return `${modelRef(card)}  ${card.architecture.name}${options ? ` ${options}` : ''}  ${card.input.size}px${int8}  ${source}`;
}

/** One line per set: reference, combination, and each member with its role (and weight). */
export function describeSet(set: ModelSetCard): string {
  const members = set.members.map((m) => `${modelRef(m)} ${m.role}${m.weight === null ? '' : ` ×${m.weight}`}`).join(', ');
  return `${modelRef(set)}  set ${set.combination.kind}: ${members}`;
}

function describeUnit(unit: InstalledUnit): string {
  return unit.set ? describeSet(unit.set) : describeCard(unit.card);
}

function listingLine(entry: ModelListing): string {
  const mark = entry.current ? '*' : ' ';
  const text = entry.card ? describeCard(entry.card) : entry.set ? describeSet(entry.set) : `${entry.ref}  unusable: ${entry.error}`;
  return `${mark} ${text}`;
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
      const current = await library.currentUnit();
      print(current, current ? `${describeUnit(current)}\n${current.dir}` : 'no current model; choose one with pleura models set-current ID@VERSION');
      return 0;
    }
    case 'set-current': {
      expectArgs(1);
      const model = await library.setCurrentUnit(args[0]);
      process.stdout.write(`current model: ${describeUnit(model)}\n`);
      return 0;
    }
    case 'install': {
      expectArgs(1);
      const model = await library.installUnit(path.resolve(args[0]));
      if (values['set-current']) await library.setCurrentUnit(model.ref);
      process.stdout.write(`installed ${describeUnit(model)}${values['set-current'] ? ' (current)' : ''}\n${model.dir}\n`);
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
    case 'make-set': {
      expectArgs(0);
      return makeSet(values);
    }
    case 'quantize':
      return quantize(args, values);
    default:
      throw new CliUsageError(`unknown models subcommand "${sub ?? ''}"\nusage: pleura ${usage}`);
  }
}

export const models: CliCommand = {
  usage,
  summary:
    'list the installed models and model sets, show or set the current one, install a model folder or set, make an untrained model (init), make a model set of several models and how they combine (make-set: averaged, or the 2nd place\'s two stages with a stacked classifier ensemble), or make a calibrated INT8 version of a model (quantize)',
  options: { ...newModelFlags, ...makeSetFlags, ...quantizeFlags, seed: { type: 'string' }, json: { type: 'boolean' } },
  async run({ positionals, values }) {
    try {
      return await runModels(positionals, values);
    } catch (error) {
      return reportModelError(error);
    }
  },
};

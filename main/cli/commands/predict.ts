import { writeNpy } from '../npy';
import { reportFileError } from '../file-error';
import { CliUsageError, type CliCommand } from '../run';
import { ensembleArgs, ensembleFlags, ensembleUsage, modelDirsOrCurrent, withEnsemble, type EnsembleArgs } from '../ensemble-flags';
import { modelRef } from '../../../ml/io/model-card';
import { inferRadiograph } from '../../../ml/infer';
import { inferenceModels } from '../../inference/load-ensemble';
import { toRadiograph } from '../../inference/radiograph';
import { createDecodePool } from '../../studies/decode-pool';
import { isDemonstrationModel } from '../../triage/triage-config';

const usage = `predict FILE.dcm [--model DIR|SETDIR …] ${ensembleUsage} [--model-size] --out PROB.npy`;

type PredictArgs = EnsembleArgs & {
  file: string;
  modelSize: boolean;
  out: string;
};

export const predict: CliCommand = {
  usage,
  summary:
    'probability map of one radiograph from the current model (installing the bundled demonstration model where none is), one model folder, a weighted ensemble or a model set (its own combination; a two-stage set\'s classifierProbability is its stacked P(pneumothorax)) (flip TTA by default); writes float32 [rows, columns] .npy at the source size (--model-size: at the model size) and prints JSON with the models, timings, engines and the classifier probability',
  options: {
    ...ensembleFlags,
    'model-size': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
  async run({ positionals, values }) {
    const args = predictArgs(positionals, values);
    const started = performance.now();
    const pool = createDecodePool({ size: 1 });
    let image;
    try {
      image = await pool.decode(args.file);
    } catch (error) {
      return reportFileError(error, args.file);
    } finally {
      await pool.close();
    }
    const dirs = await modelDirsOrCurrent(args.models);
    if (dirs === null) return 1;
    return withEnsemble(dirs, args.weights, args.engine, async (members, plan) => {
      try {
        const inference = await inferRadiograph(toRadiograph(image), inferenceModels(members, args.size), {
          tta: args.tta,
          weights: plan.weights,
          output: args.modelSize ? 'model' : 'source',
          stacking: plan.stacking ?? undefined,
        });
        const { rows, columns, data } = inference.probabilities;
        await writeNpy(args.out, data, [rows, columns]);
        const report = {
          file: args.file,
          out: args.out,
          shape: [rows, columns],
          tta: args.tta,
          units: plan.units.map((unit) => unit.ref),
          models: members.map(({ dir, card, engine }, k) => ({
            ref: modelRef(card),
            demonstration: isDemonstrationModel(card),
            dir,
            arch: engine.loaded.arch,
            inputSize: args.size ?? engine.loaded.input.size,
            weight: plan.weights[k],
            engine: engine.describe(),
          })),
          classifierProbability: inference.classifierProbability,
          timings: { decodeMs: image.decodeMs, ...inference.timings, totalMs: performance.now() - started },
        };
        process.stdout.write(`${JSON.stringify(report)}\n`);
        return 0;
      } catch (error) {
        process.stderr.write(`pleura: predict: ${args.file}: ${(error as Error).message}\n`);
        return 1;
      }
    });
  },
};

function predictArgs(positionals: string[], values: Record<string, unknown>): PredictArgs {
  const fail = (message: string): never => {
    throw new CliUsageError(`${message}\nusage: pleura ${usage}`);
  };
  if (positionals.length !== 1) fail('predict takes exactly one DICOM file');
  if (typeof values.out !== 'string') fail('give --out PROB.npy');
  return { ...ensembleArgs(values, fail), file: positionals[0], modelSize: values['model-size'] === true, out: values.out as string };
}

// `pleura triage FOLDER --out DIR`: every radiograph under FOLDER through the current model (or the models or model sets given),
// with results.json, a SIIM submission.csv and a heatmap per image written to DIR. FOLDER is only ever read.
import path from 'node:path';
import { checkOutputFolder, OutputFolderError } from '../../triage/output-folder';
import { RESULTS_FILE, SUBMISSION_FILE } from '../../triage/report';
import { presetChoice, RuleChoiceError, thresholdsChoice, type RuleChoice } from '../../triage/rule-choice';
import { triageFolder, type TriageProgress } from '../../triage/triage-folder';
import { ensembleArgs, ensembleFlags, ensembleUsage, modelDirsOrCurrent, withEnsemble, type EnsembleArgs } from '../ensemble-flags';
import { CliUsageError, type CliCommand } from '../run';

const usage = `triage FOLDER --out DIR [--model DIR|SETDIR …] ${ensembleUsage} [--thresholds TOP,MIN_AREA,BOTTOM | --preset NAME]`;

type TriageArgs = EnsembleArgs & { folder: string; out: string; rule: RuleChoice | undefined };

export const triage: CliCommand = {
  usage,
  summary:
    'triage every frontal chest radiograph under FOLDER with the current model (or --model folders, a weighted ensemble; a model set folder runs its own combination: averaged, or two-stage with its stacked classifiers deciding which images are drawn); other images are listed as not assessed, with the reason, and never sent to a model. Writes DIR/results.json (flag, words, peak probability, score, areas, side, findings, timings per image; errors listed), DIR/submission.csv (SIIM format) and DIR/heatmaps/<SOPInstanceUID>.png; progress on stderr. The rule is the first model card\'s (or set\'s) unless --thresholds or --preset is given',
  options: { ...ensembleFlags, out: { type: 'string' }, thresholds: { type: 'string' }, preset: { type: 'string' } },
  async run({ positionals, values }) {
    const args = triageArgs(positionals, values);
    try {
      await checkOutputFolder(args.folder, args.out);
    } catch (error) {
      if (error instanceof OutputFolderError) throw new CliUsageError(error.message);
      throw error;
    }
    const dirs = await modelDirsOrCurrent(args.models);
    if (dirs === null) return 1;
    return withEnsemble(dirs, args.weights, args.engine, async (members, plan) => {
      try {
        const { weights, stacking, ruleChoice } = plan;
        const report = await triageFolder({ ...args, members, weights, stacking, rule: args.rule ?? ruleChoice, onProgress: writeProgress });
        const { summary } = report;
        const units = plan.units.map((unit) => unit.ref);
        process.stdout.write(
          `${JSON.stringify({ out: path.resolve(args.out), results: RESULTS_FILE, submission: SUBMISSION_FILE, units, models: report.models.map((m) => m.ref), demonstrationModel: report.demonstrationModel, ...summary })}\n`,
        );
        return 0;
      } catch (error) {
        if (!(error instanceof RuleChoiceError)) throw error;
        process.stderr.write(`pleura: triage: ${error.message}\n`);
        return 2;
      }
    });
  },
};

function writeProgress({ done, total, entry, ms }: TriageProgress): void {
  const verdict = entry.status === 'error' ? `error ${entry.error.code}: ${entry.error.message}` : entry.words;
  process.stderr.write(`[${done}/${total}] ${entry.path}  ${verdict}  ${Math.round(ms)} ms\n`);
}

function triageArgs(positionals: string[], values: Record<string, unknown>): TriageArgs {
  const fail = (message: string): never => {
    throw new CliUsageError(`${message}\nusage: pleura ${usage}`);
  };
  if (positionals.length !== 1) fail('triage takes exactly one FOLDER');
  if (typeof values.out !== 'string') fail('give --out DIR (outside FOLDER)');
  const { thresholds, preset } = values;
  if (thresholds !== undefined && preset !== undefined) fail('give --thresholds or --preset, not both');
  let rule: RuleChoice | undefined;
  try {
    if (typeof thresholds === 'string') rule = thresholdsChoice(thresholds);
    if (typeof preset === 'string') rule = presetChoice(preset);
  } catch (error) {
    fail((error as Error).message);
  }
  return { ...ensembleArgs(values, fail), folder: positionals[0], out: values.out as string, rule };
}

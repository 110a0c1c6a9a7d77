// `pleura models quantize MODELDIR --calibration FOLDER --out QDIR`: an INT8 version of an fp32 model folder
// (main/models/quantize-model.ts, as the workstation makes one), its agreement with the fp32 model printed and
// recorded on its card; optionally installed (and made current).
import path from 'node:path';
import type { UnlabelledData } from '../../api/contract';
import { CalibrationMethodName, modelRef } from '../../../ml/io/model-card';
import { createModelLibrary } from '../../models/model-library';
import { QuantizeInputError } from '../../models/quantize-input';
import { quantizeModelFolder, type QuantizeOutcome, type QuantizeProgress } from '../../models/quantize-model';
import { resolveDataDir } from '../../services/data-dir';
import { CliUsageError, type CliCommand } from '../run';
import { reportModelError } from './import-torch';

type Values = Parameters<CliCommand['run']>[0]['values'];

/** The flags quantize adds to `pleura models` (it shares --out, --id, --model-version, --force, --install, --set-current, --json). */
export const quantizeFlags = {
  calibration: { type: 'string' },
  holdout: { type: 'string' },
  method: { type: 'string' },
} satisfies CliCommand['options'];

export const quantizeUsage =
  `models quantize MODELDIR --calibration FOLDER|studies --out QDIR [--holdout FOLDER] [--method ${CalibrationMethodName.options.join('|')}] ` +
  '[--id ID] [--model-version V] [--force] [--install] [--set-current] [--json]';

export async function quantize(args: string[], values: Values): Promise<number> {
  const fail = (message: string): never => {
    throw new CliUsageError(`${message}\nusage: pleura ${quantizeUsage}`);
  };
  if (args.length !== 1) fail('give one MODELDIR, the fp32 model folder to quantize');
  const text = (key: string) => (typeof values[key] === 'string' ? (values[key] as string) : undefined);
  const out = text('out') ?? fail('give --out QDIR, the folder the INT8 model is written to');
  const calibrationArg = text('calibration') ?? fail('give --calibration FOLDER (DICOM radiographs) or --calibration studies (the indexed ones)');
  const methodText = text('method');
  const method = methodText === undefined ? undefined : (CalibrationMethodName.safeParse(methodText).data ?? fail(`--method takes ${CalibrationMethodName.options.join(', ')}, not "${methodText}"`));
  const calibration: UnlabelledData = calibrationArg === 'studies' ? { kind: 'local-studies' } : { kind: 'dicom-folder', folder: path.resolve(calibrationArg) };
  const holdout = text('holdout');
  try {
    const outcome = await quantizeModelFolder({
      modelDir: path.resolve(args[0]),
      calibration,
      holdout: holdout === undefined ? null : path.resolve(holdout),
      out: path.resolve(out),
      method,
      id: text('id'),
      version: text('model-version'),
      overwrite: Boolean(values.force),
      dataDir: resolveDataDir(),
      onProgress: showProgress,
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    const library = createModelLibrary();
    const installed = values.install || values['set-current'] ? await library.installModel(path.resolve(out)) : null;
    if (installed && values['set-current']) await library.setCurrent(installed.ref);
    const summary = {
      model: modelRef(outcome.card),
      out: path.resolve(out),
      precision: 'int8',
      quantization: outcome.card.quantization,
      skipped: outcome.skipped,
      installed: installed?.dir ?? null,
      current: Boolean(values['set-current']),
    };
    process.stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : `${describeOutcome(outcome, summary.out, summary.installed)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof QuantizeInputError)) return reportModelError(error);
    process.stderr.write(`pleura: ${error.message}\n`);
    return 1;
  }
}

function showProgress({ phase, done, total }: QuantizeProgress): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[Kquantize: ${phase}${total ? ` ${done}/${total}` : ''}`);
}

/** What was made, how, and how closely it agrees with the fp32 model, in a few lines. */
export function describeOutcome({ card, skipped }: QuantizeOutcome, out: string, installed: string | null): string {
  const q = card.quantization;
  const a = q.agreement;
  const method = q.percentile === null ? q.method : `${q.method} ${q.percentile}`;
  const fp32 = q.fp32Layers.map((layer) => `${layer.node} (${layer.why})`).join('; ') || 'none';
  return [
    `${modelRef(card)}  INT8 version of ${q.source}  ${out}`,
    `calibration: ${q.calibration.count} images from ${q.calibration.source} (${method}${skipped.length ? `; ${skipped.length} file${skipped.length === 1 ? '' : 's'} not used` : ''}); ${q.quantizedConvs} convolutions in INT8`,
    `kept in fp32: ${fp32}`,
    `agreement on ${a.images} held-out images (${a.source}): flags agree on ${a.flagsAgree} of ${a.flagsTotal}, mean mask Dice ${a.meanDice.toFixed(4)} (lowest ${a.minDice.toFixed(4)}), largest probability difference ${a.maxProbabilityDifference.toFixed(4)}`,
    ...(installed ? [`installed: ${installed}`] : []),
  ].join('\n');
}

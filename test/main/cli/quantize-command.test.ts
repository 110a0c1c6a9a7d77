// `pleura models quantize` end to end on the bundled model and a small phantom folder: the JSON it prints, the folder
// it writes and installs, the list that then shows it as INT8, and the one-line errors for what cannot be quantized.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../../main/cli/commands';
import { describeOutcome } from '../../../main/cli/commands/quantize';
import { readModelCard } from '../../../ml/io/model-store';
import { writePhantomSet } from '../../../main/phantoms/write-set';
import { bundledDemo } from '../../fixtures/demo-model';
import { runCliCaptured } from '../../support/capture-cli';

const { dir: demo, ref: demoRef, version, size } = await bundledDemo();
const int8Ref = `pleura-demo-int8@${version}`;
let root: string;
let phantoms: string;
let out: string;
const previousDataDir = process.env.PLEURA_DATA_DIR;
const quantize = (...args: string[]) => runCliCaptured(commands, 'models', ['quantize', ...args]);

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'pleura-quantize-cli-'));
  process.env.PLEURA_DATA_DIR = path.join(root, 'data');
  phantoms = path.join(root, 'phantoms');
  out = path.join(root, 'int8');
  await writePhantomSet({ out: phantoms, count: 10, seed: 1518, size: 256, positiveFraction: 0.5 });
}, 60_000);

afterAll(async () => {
  if (previousDataDir === undefined) delete process.env.PLEURA_DATA_DIR;
  else process.env.PLEURA_DATA_DIR = previousDataDir;
  await rm(root, { recursive: true, force: true });
});

describe('pleura models quantize', () => {
  it('writes and installs the INT8 version and prints what it made and how closely it agrees, as JSON', async () => {
    const result = await quantize(demo, '--calibration', phantoms, '--out', out, '--method', 'minmax', '--install', '--json');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({
      model: int8Ref,
      out,
      precision: 'int8',
      skipped: ['phantoms.json', 'train-rle.csv'].map((name) => ({ path: path.join(phantoms, name), reason: 'not an image (skipped, as the scan skips it)' })),
      installed: path.join(root, 'data', 'models', int8Ref),
      current: false,
      quantization: { source: demoRef, method: 'minmax', calibration: { count: 8, source: 'phantoms' }, agreement: { images: 2, flagsTotal: 2 } },
    });
    expect((await readModelCard(summary.installed)).quantization).toEqual(summary.quantization);

    const list = await runCliCaptured(commands, 'models', ['list']);
    expect(list.stdout).toContain(`${int8Ref}  unet-light  ${size}px  int8 of ${demoRef}  training`);
  }, 120_000);

  it('says the same in lines when not asked for JSON', async () => {
    const card = await readModelCard(out);
    const text = describeOutcome({ card: card as Parameters<typeof describeOutcome>[0]['card'], skipped: [{ path: 'x', reason: 'lateral view (LL)' }] }, out, null);
    const q = card.quantization!;
    expect(text.split('\n')).toEqual([
      `${int8Ref}  INT8 version of ${demoRef}  ${out}`,
      `calibration: 8 images from phantoms (minmax; 1 file not used); ${q.quantizedConvs} convolutions in INT8`,
      `kept in fp32: ${q.fp32Layers.map((l) => `${l.node} (${l.why})`).join('; ')}`,
      `agreement on 2 held-out images (1 in 5 of the calibration images (2, never calibrated on)): flags agree on ${q.agreement.flagsAgree} of 2, mean mask Dice ${q.agreement.meanDice.toFixed(4)} (lowest ${q.agreement.minDice.toFixed(4)}), largest probability difference ${q.agreement.maxProbabilityDifference.toFixed(4)}`,
    ]);
  });

  it('ends with one line on stderr and exit code 1 for what cannot be quantized', async () => {
    const fails = async (args: string[], message: string) => expect(await quantize(...args)).toEqual({ code: 1, stdout: '', stderr: `pleura: ${message}\n` });
    await fails([out, '--calibration', phantoms, '--out', path.join(root, 'again')], `${out}: ${int8Ref} is already an INT8 model (made from ${demoRef}); quantize its fp32 source instead`);
    await fails([demo, '--calibration', path.join(root, 'gone'), '--out', path.join(root, 'x')], `the calibration folder "${path.join(root, 'gone')}" does not exist`);
    const file = path.join(out, 'card.json');
    await fails([demo, '--calibration', file, '--out', path.join(root, 'x')], `the calibration folder "${file}" is a file, not a folder of images`);
    await fails([path.join(root, 'nothing'), '--calibration', phantoms, '--out', path.join(root, 'x')], `${path.join(root, 'nothing', 'card.json')} is missing (every Pleura model folder has one)`);
    await fails([demo, '--calibration', phantoms, '--out', out], `${out} already holds files (card.json, model.onnx, weights.bin, weights.json); refusing to overwrite it`);
  }, 60_000);

  it('checks its flags', async () => {
    await expect(quantize(demo, '--out', out)).rejects.toThrow(/give --calibration FOLDER/);
    await expect(quantize(demo, '--calibration', phantoms)).rejects.toThrow(/give --out QDIR/);
    await expect(quantize(demo, '--calibration', phantoms, '--out', out, '--method', 'fast')).rejects.toThrow('--method takes minmax, percentile, entropy, not "fast"');
    await expect(quantize('--calibration', phantoms, '--out', out)).rejects.toThrow(/give one MODELDIR/);
  });
});

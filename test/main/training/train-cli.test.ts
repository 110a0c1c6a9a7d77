// `pleura train` end to end on a tiny DICOM folder: a worker thread trains unet-light on WASM and writes a model
// that loads, with the card fields, checkpoints and a JSON-lines log — and the current-model pointer stays as it was.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTrain } from '../../support/run-train';
import { CURRENT_FILE } from '../../../main/models/model-library';
import { loadModel } from '../../../ml/io/model-store';
import { writeTrainingFolder, type TrainingFolder } from '../../fixtures/training-folder';

let root: string;
let siim: TrainingFolder;
let pointer: string;
const savedDataDir = process.env.PLEURA_DATA_DIR;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'pleura-train-cli-'));
  siim = await writeTrainingFolder(root, 10, 64);
  const dataDir = path.join(root, 'data');
  pointer = path.join(dataDir, 'models', CURRENT_FILE);
  await mkdir(path.dirname(pointer), { recursive: true });
  await writeFile(pointer, '{"model":"albunet@1","setAt":"2026-01-01T00:00:00.000Z"}\n');
  process.env.PLEURA_DATA_DIR = dataDir;
});

afterAll(async () => {
  if (savedDataDir === undefined) delete process.env.PLEURA_DATA_DIR;
  else process.env.PLEURA_DATA_DIR = savedDataDir;
  await rm(root, { recursive: true, force: true });
});

describe('pleura train', () => {
  const model = () => path.join(root, 'model');
  const args = () => ({ data: siim.folder, labels: siim.labels, arch: 'unet-light', size: '64', epochs: '1', batch: '2', out: model(), backend: 'wasm', seed: '3' });

  it('trains in a worker and writes a loadable model with its card, checkpoints and log', async () => {
    const pointerBefore = await readFile(pointer, 'utf8');
    const { code, stdout, stderr } = await runTrain(args());
    expect(stderr).toMatch(/stage 1\/1 fine-tune {2}epoch 1\/1 {2}step \d+\/\d+ {2}loss \d\.\d{4} {2}lr 1\.00e-5 {2}val Dice \d\.\d{4}/);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ modelDir: model(), backend: 'tfjs wasm', epochs: 1 });
    const loaded = await loadModel(model());
    expect(loaded.card.architecture.name).toBe('unet-light');
    expect(loaded.card.input.size).toBe(64);
    expect(loaded.card.provenance.source).toBe('training');
    expect(loaded.card.thresholds).toMatchObject({ kind: 'triple-threshold', preset: null });
    expect(loaded.card.metrics).toMatchObject({
      plan: 'quick',
      size: 64,
      backend: 'tfjs wasm',
      epochs: 1,
      data: { images: 10, positives: 5, patients: 5, folds: 5, fold: 0, train: 8, validation: 2, missing: [] },
    });
    expect(typeof loaded.card.metrics!.valDice).toBe('number');
    expect(await readdir(path.join(model(), 'checkpoints'))).toContainEqual(expect.stringMatching(/^step-\d{10}$/));
    const log = (await readFile(path.join(model(), 'train.log.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(log[0]).toMatchObject({ event: 'start', arch: 'unet-light' });
    expect(log.some((entry) => entry.event === 'epoch' && typeof entry.valDice === 'number')).toBe(true);
    expect(log.at(-1)).toMatchObject({ event: 'done' });
    expect(await readFile(pointer, 'utf8')).toBe(pointerBefore);
  });

  it('refuses to train over an existing run unless resuming, and resumes from its checkpoint', async () => {
    const again = await runTrain(args());
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds files .*resume with --resume or train into a new folder/);
    const resumed = await runTrain({ ...args(), resume: true });
    expect(resumed.code).toBe(0);
    expect((await loadModel(model())).card.provenance.source).toBe('training');
  });

  it('--plan manual on onnx: every setting from the flags, a step limit, no validation', async () => {
    const out = path.join(root, 'manual');
    const { code, stdout, stderr } = await runTrain({
      ...args(),
      out,
      backend: 'onnx',
      plan: 'manual',
      epochs: undefined as never,
      optimizer: 'sgd',
      momentum: '0.5',
      lr: '0.01',
      loss: 'lovasz',
      steps: '3',
      validation: 'none',
      freeze: 'encoder',
    });
    expect(stderr).not.toMatch(/val Dice/);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ backend: expect.stringMatching(/^onnx cpu/), steps: 3, valDice: null, end: { kind: 'completed', text: expect.stringMatching(/after 3 optimiser steps/) } });
    const loaded = await loadModel(out);
    expect(loaded.card.metrics).toMatchObject({ plan: 'manual', steps: 3, backend: 'onnx cpu', valDice: null, data: { train: 10, validation: 0 } });
    expect(loaded.card.thresholds).toMatchObject({ preset: 'validation-best' });
    const log = (await readFile(path.join(out, 'train.log.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(log.at(-1)).toMatchObject({ event: 'done', engine: expect.stringMatching(/^onnx cpu/) });
  });

  it('refuses manual-plan flags without --plan manual, and a manual plan without its settings', async () => {
    await expect(runTrain({ ...args(), optimizer: 'sgd' })).rejects.toThrow(/--optimizer belongs to --plan manual/);
    await expect(runTrain({ ...args(), plan: 'manual', lr: '0.1', loss: 'bce' })).rejects.toThrow(/needs --optimizer adam\|sgd/);
    await expect(runTrain({ ...args(), plan: 'manual', optimizer: 'adam', lr: '0.1', loss: 'hinge' })).rejects.toThrow(/--loss takes bce, dice, focal, combo, lovasz/);
    await expect(runTrain({ ...args(), plan: 'manual', optimizer: 'adam', lr: '-1', loss: 'bce' })).rejects.toThrow(/--lr must be a positive number/);
    await expect(runTrain({ ...args(), plan: 'manual', optimizer: 'adam', lr: '0.1', loss: 'bce', freeze: 'decoder' })).rejects.toThrow(/--freeze takes encoder or encoder-bn/);
    await expect(runTrain({ ...args(), validation: 'maybe' })).rejects.toThrow(/--validation takes fold or none/);
  });

  it('--arch-option builds the architecture it names, and an unknown value is refused naming the valid ones', async () => {
    const manual = { ...args(), arch: 'cbam-unet', plan: 'manual', epochs: undefined as never, steps: '1', optimizer: 'adam', lr: '0.001', loss: 'bce', validation: 'none', backend: 'onnx' };
    const refused = await runTrain({ ...manual, 'arch-option': ['encoder=nope'], out: path.join(root, 'cbam-nope') });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/cannot build cbam-unet with \{"encoder":"nope"\}.*"resnet34"\|"se_resnext50_32x4d"/s);
    await expect(runTrain({ ...manual, 'arch-option': ['encoder'], out: path.join(root, 'cbam-bare') })).rejects.toThrow(/--arch-option expects KEY=VALUE, got "encoder"/);

    const out = path.join(root, 'cbam');
    const { code, stdout } = await runTrain({ ...manual, 'arch-option': ['encoder=resnet34'], out });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ steps: 1 });
    expect((await loadModel(out)).card.architecture).toMatchObject({ name: 'cbam-unet', options: { encoder: 'resnet34' } });
  }, 120_000);

  it('explains missing data flags', async () => {
    await expect(runTrain({ arch: 'unet-light', out: model() })).rejects.toThrow(/give --data FOLDER --labels CSV, --data reviewed or --png FOLDER/);
  });
});

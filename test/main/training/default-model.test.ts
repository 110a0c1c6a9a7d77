// The default-model script's quick variant: the whole pipeline (phantoms → training → fresh-phantom score → model
// folder) in seconds, through the same script `npm run train:default-model` runs.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_NOTES, demoPlan, FULL_RECIPE } from '../../../main/training/default-model';
import { countParameters } from '../../../ml/models';
import { loadModel } from '../../../ml/io/model-store';
import { Plan } from '../../../ml/train/plans';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'pleura-default-model-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

it('builds a loadable demonstration model with its fresh-phantom score and notes (--quick)', async () => {
  const out = path.join(root, 'pleura-demo');
  const { stdout } = await promisify(execFile)('npx', ['tsx', 'scripts/train-default-model.ts', '--quick', '--out', out, '--work', path.join(root, 'work')], {
    cwd: path.resolve(import.meta.dirname, '../../..'),
  });
  expect(JSON.parse(stdout)).toMatchObject({ out });
  const model = await loadModel(out);
  expect(model.card.id).toBe('pleura-demo');
  expect(model.card.notes).toBe(DEMO_NOTES);
  expect(model.card.notes).toMatch(/demonstration model trained on synthetic phantoms; not for clinical use/i);
  expect(model.card.provenance.source).toBe('training');
  expect(model.card.metrics).toMatchObject({ plan: 'demo-from-scratch', size: 64, freshPhantomScore: { images: 4, seed: 4242 } });
  const score = (model.card.metrics!.freshPhantomScore as { meanDice: number }).meanDice;
  expect(score).toBeGreaterThanOrEqual(0);
  expect(score).toBeLessThanOrEqual(1);
  // Small enough for git: about 2 M parameters, 8 MB of float32 weights.
  expect(countParameters(model.definition.graph)).toBeLessThan(2_000_000);
}, 120_000);

it('plans a valid run for the full recipe', () => {
  expect(Plan.parse(demoPlan(FULL_RECIPE.epochs)).stages[0].epochs).toBe(FULL_RECIPE.epochs);
});

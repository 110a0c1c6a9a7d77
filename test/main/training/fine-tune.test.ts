// A quick fine-tune keeps its word, on the real trainer (its worker thread, TF.js) and the real bundled demonstration
// model: started from the current model it starts from its weights — its first step's loss is far below that of a
// run from scratch on the same phantoms — and its model keeps the starting model's architecture, input size and
// thresholds, and says it is still a demonstration model.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingProgress, TrainingRequest, TrainingRun } from '../../../main/api/contract';
import { EventHub } from '../../../main/api/events';
import { bundledModelDir } from '../../../main/first-run/first-run';
import { createModelLibrary, type InstalledModel } from '../../../main/models/model-library';
import { writePhantomSet } from '../../../main/phantoms/write-set';
import { createTrainingService } from '../../../main/training/service';
import { readModelCard } from '../../../ml/io/model-store';
import { auditLogIn } from '../../fixtures/audit-log';
import { repositoryRoot } from '../../support/serve-process';

const root = mkdtempSync(path.join(tmpdir(), 'pleura-fine-tune-'));
const dataDir = path.join(root, 'data');
const events = new EventHub();
const library = createModelLibrary(dataDir);
const service = createTrainingService({ dataDir, events, library, audit: auditLogIn(dataDir), reviewer: () => 'Dr Test' });
afterAll(async () => {
  await service.close();
  rmSync(root, { recursive: true, force: true });
});

let demo: InstalledModel;
let data: TrainingRequest['data'];
beforeAll(async () => {
  const phantoms = path.join(root, 'phantoms');
  // Seed 12 draws 3 positives of 8 patients; the folds, stratified by positivity, leave two in every training part
  // whatever seed the service draws for the run.
  await writePhantomSet({ out: phantoms, count: 8, seed: 12, size: 256, positiveFraction: 0.5 });
  data = { kind: 'dicom-folder', folder: phantoms, labels: path.join(phantoms, 'train-rle.csv') };
  demo = await library.installModel(bundledModelDir(repositoryRoot));
  await library.setCurrent(demo.ref);
}, 60_000);

/** The run's first training step, and the run once it ends. */
async function firstStep(request: TrainingRequest): Promise<{ first: TrainingProgress; run: TrainingRun }> {
  let first: TrainingProgress | null = null;
  const ended = new Promise<TrainingRun>((resolve) => {
    const stop = events.subscribe((event, payload) => {
      if (event === 'training.progress' && first === null) first = (payload as { progress: TrainingProgress }).progress;
      if (event === 'training.done') {
        stop();
        resolve(payload as TrainingRun);
      }
    });
  });
  await service.handlers['training.start'](request);
  const run = await ended;
  return { first: first!, run };
}

describe('a quick fine-tune from the bundled demonstration model', () => {
  let fineTune: { first: TrainingProgress; run: TrainingRun };

  it('starts from its weights and ends with a model of its architecture, input size and thresholds', async () => {
    fineTune = await firstStep({ data, plan: 'quick', start: 'current-model', epochs: 1 });
    const { run } = fineTune;
    expect(run).toMatchObject({ state: 'finished', error: null, startedFrom: demo.ref, size: demo.card.input.size, end: { kind: 'completed', text: 'Finished its 1 epoch.' } });
    const card = await readModelCard(path.join(dataDir, 'training', run.runId, 'model'));
    expect(card.architecture).toEqual(demo.card.architecture);
    expect(card.input).toEqual(demo.card.input);
    expect(card.thresholds).toEqual(demo.card.thresholds);
    expect(card.metrics).toMatchObject({ initialisedFrom: demo.ref, size: demo.card.input.size });
    expect(card.notes).toMatch(new RegExp(`^Demonstration model fine-tuned by Pleura from ${demo.ref.replace('.', '\\.')} on dicom-folder `));
    expect(run.comparison).toMatchObject({ current: { ref: demo.ref }, images: expect.any(Number), patients: expect.any(Number) });
  }, 300_000);

  it('whose first step has a far lower loss than a run from scratch on the same data', async () => {
    const scratch = await firstStep({ data, plan: 'quick', start: 'scratch', size: demo.card.input.size as TrainingRequest['size'], epochs: 1 });
    expect(scratch.run).toMatchObject({ state: 'finished', startedFrom: null, error: null });
    // eslint-disable-next-line no-console
    console.info(`first-step loss: fine-tune ${fineTune.first.loss.toFixed(4)}, from scratch ${scratch.first.loss.toFixed(4)}`);
    expect(fineTune.first.loss).toBeLessThan(scratch.first.loss / 2);
  }, 300_000);
});

// `pleura train --unlabelled FOLDER --semi pseudo-labels|mean-teacher` end to end on tiny DICOM folders at 64x64
// with a couple of steps: the flags' checks, the unlabelled folder's intended-use filter (a lateral film, a
// broken file and a table beside the films are left out, each with its reason), and the model card's record of
// the method, the unlabelled count and, for pseudo-labels, the teacher and how many of each kind were kept.
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTrain } from '../../support/run-train';
import { CliUsageError } from '../../../main/cli/run';
import { loadModel } from '../../../ml/io/model-store';
import { Rng } from '../../../ml/random';
import { writeSyntheticDicom } from '../../fixtures/synthetic-dicom';
import { writeTrainingFolder, type TrainingFolder } from '../../fixtures/training-folder';
import { toyImage } from '../../fixtures/toy-training';

const SIZE = 64;
let root: string;
let labelled: TrainingFolder;
let unlabelled: string;
const savedDataDir = process.env.PLEURA_DATA_DIR;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'pleura-semi-cli-'));
  labelled = await writeTrainingFolder(root, 10, SIZE);
  unlabelled = path.join(root, 'unlabelled');
  await mkdir(unlabelled, { recursive: true });
  const rng = new Rng(77);
  const film = (i: number, viewPosition = 'PA') =>
    writeSyntheticDicom(path.join(unlabelled, `u${i}.dcm`), {
      patientId: `U${i}`,
      studyUid: `1.2.826.0.9.${i}`,
      seriesUid: `1.2.826.0.9.${i}.1`,
      sopUid: `1.2.826.0.9.${i}.1.1`,
      rows: SIZE,
      columns: SIZE,
      bitsStored: 8,
      pixels: Uint16Array.from(toyImage(SIZE, rng, i % 3 === 0).image.data),
      viewPosition,
    });
  for (let i = 0; i < 5; i++) await film(i);
  await film(5, 'LL');
  await writeFile(path.join(unlabelled, 'broken.dcm'), Buffer.from('not a DICOM file at all'));
  await writeFile(path.join(unlabelled, 'README.txt'), 'films without masks\n');
  process.env.PLEURA_DATA_DIR = path.join(root, 'data');
});

afterAll(async () => {
  if (savedDataDir === undefined) delete process.env.PLEURA_DATA_DIR;
  else process.env.PLEURA_DATA_DIR = savedDataDir;
  await rm(root, { recursive: true, force: true });
});

/** The light U-Net on the labelled phantoms for two onnx steps, unless the test says otherwise. */
const runSemi = (args: Record<string, string | boolean>) =>
  runTrain({ data: labelled.folder, labels: labelled.labels, arch: 'unet-light', size: String(SIZE), steps: '2', batch: '2', seed: '3', backend: 'onnx', ...args });

describe('pleura train --unlabelled --semi: the flags', () => {
  const refused = (args: Record<string, string>) => runSemi({ out: path.join(root, 'never'), ...args });
  it('needs both flags together and a known method', async () => {
    await expect(refused({ unlabelled: unlabelled })).rejects.toThrow(CliUsageError);
    await expect(refused({ unlabelled: unlabelled })).rejects.toThrow(/--unlabelled needs --semi pseudo-labels\|mean-teacher/);
    await expect(refused({ semi: 'mean-teacher' })).rejects.toThrow(/--semi needs --unlabelled FOLDER/);
    await expect(refused({ unlabelled: unlabelled, semi: 'co-training' })).rejects.toThrow(/--semi takes pseudo-labels or mean-teacher, not "co-training"/);
  });

  it('says when the folder holds no frontal chest radiograph, naming a file it left out and why', async () => {
    const lateral = path.join(root, 'lateral-only');
    await mkdir(lateral);
    await writeSyntheticDicom(path.join(lateral, 'l.dcm'), { patientId: 'L', studyUid: '1.2.3.1', seriesUid: '1.2.3.1.1', sopUid: '1.2.3.1.1.1', rows: SIZE, columns: SIZE, bitsStored: 8, pixels: new Uint16Array(SIZE * SIZE), viewPosition: 'LL' });
    const { code, stderr } = await runSemi({ out: path.join(root, 'lateral-run'), unlabelled: lateral, semi: 'mean-teacher' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/no unlabelled frontal chest radiographs in dicom-folder .*lateral-only; 1 left out, e\.g\. .*l\.dcm: lateral view \(LL\)/);
  });
});

describe('pleura train --unlabelled --semi: runs', () => {
  it('trains with a mean teacher and records it in the card', async () => {
    const out = path.join(root, 'mean-teacher');
    const { code, stdout, stderr } = await runSemi({ out, unlabelled, semi: 'mean-teacher' });
    expect(stderr).not.toMatch(/pleura: train:/);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ steps: 2, backend: expect.stringMatching(/^onnx cpu/) });
    const { card } = await loadModel(out);
    const semi = card.metrics!.semiSupervised as Record<string, unknown>;
    expect(semi).toMatchObject({ method: 'mean-teacher', unlabelled: 5, skipped: 3, meanTeacher: { decay: 0.99, weight: 1, rampUpSteps: 500, batchSize: 2 } });
    const reasons = Object.fromEntries((semi.skippedExamples as { path: string; reason: string }[]).map((s) => [path.basename(s.path), s.reason]));
    expect(reasons['u5.dcm']).toBe('lateral view (LL)');
    expect(reasons['broken.dcm']).toMatch(/not-dicom|DICOM/);
    expect(reasons['README.txt']).toMatch(/not an image \(skipped, as the scan skips it\)/);
    expect(card.notes).toMatch(/and 5 unlabelled images by a mean teacher/);
  }, 120_000);

  it('pseudo-labels with a first training on the labelled images as the teacher, and records what it kept', async () => {
    const out = path.join(root, 'pseudo');
    const { code, stderr } = await runSemi({ out, unlabelled, semi: 'pseudo-labels' });
    expect(stderr).not.toMatch(/pleura: train:/);
    expect(code).toBe(0);
    const { card } = await loadModel(out);
    const teacher = await loadModel(path.join(out, 'teacher'));
    expect(teacher.card.id).toBe('unet-light-teacher');
    const record = card.metrics!.semiSupervised as { method: string; unlabelled: number; pseudoLabels: { teacher: string; kept: { positives: number; negatives: number }; cap: number } };
    expect(record).toMatchObject({ method: 'pseudo-labels', unlabelled: 5 });
    expect(record.pseudoLabels.teacher).toMatch(/first training on the labelled images alone \(teacher\/, unet-light-teacher@/);
    // 8 labelled training images (fold 0 of 5 holds 2 back): at most 4 pseudo-labels, as many positives as negatives.
    expect(record.pseudoLabels.cap).toBe(4);
    expect(record.pseudoLabels.kept.positives).toBe(record.pseudoLabels.kept.negatives);
    expect((card.metrics!.data as { train: number }).train).toBe(8);

    // Stopped after its teacher finished: --resume reuses that teacher and trains the run itself.
    const again = path.join(root, 'pseudo-resumed');
    await cp(path.join(out, 'teacher'), path.join(again, 'teacher'), { recursive: true });
    const resumed = await runSemi({ out: again, unlabelled, semi: 'pseudo-labels', resume: true });
    expect(resumed.stderr).not.toMatch(/pleura: train:/);
    expect(resumed.code).toBe(0);
    expect((await loadModel(path.join(again, 'teacher'))).card.version).toBe(teacher.card.version);
    const resumedRecord = (await loadModel(again)).card.metrics!.semiSupervised as typeof record;
    expect(resumedRecord.pseudoLabels).toEqual(record.pseudoLabels);
  }, 240_000);
});

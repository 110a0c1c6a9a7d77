// `pleura triage` end to end on small real models (--size 64): DICOM files through the decode pool, the models in
// inference workers, results.json, submission.csv and heatmaps out; the input folder is never written.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { triage } from '../../../main/cli/commands/triage';
import { CliUsageError } from '../../../main/cli/run';
import { createModelLibrary } from '../../../main/models/model-library';
import type { TriagedImage, TriageReport } from '../../../main/triage/report';
import { connectedComponents, decodeRle, maskArea, parseMaskTable } from '../../../ml/post';
import { CLS_MODEL, writeSmallModel } from '../../fixtures/small-models';
import { snapshotFolder } from '../../fixtures/study-folder';
import { runCliCaptured } from '../../support/capture-cli';
import { describeWithSharedData, sharedFile } from '../../support/shared-data';
import { BROKEN_FILE, studyOf, TRIAGE_IMAGES, writeTriageFolder } from './triage-fixtures';

const pleuraTriage = (...args: string[]) => runCliCaptured({ triage }, 'triage', args);

const root = mkdtempSync(path.join(tmpdir(), 'pleura-triage-'));
const clsModel = path.join(root, 'models', 'unet34cls');
const light = path.join(root, 'models', 'unet-light');
const folder = path.join(root, 'studies');
const broken = path.join(folder, BROKEN_FILE);

beforeAll(async () => {
  await writeSmallModel(clsModel, CLS_MODEL, 64);
  // a second model without a classification head: the light U-Net, the cheapest to write and load
  await writeSmallModel(light, { arch: 'unet-light', seed: 42 }, 64);
  await writeTriageFolder(folder);
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

async function readReport(out: string): Promise<TriageReport> {
  return JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as TriageReport;
}

describe('pleura triage', () => {
  it('triages a folder with the current model: results, submission and heatmaps, the broken file listed, the folder untouched', async () => {
    const dataDir = path.join(root, 'data');
    const library = createModelLibrary(dataDir);
    const installed = await library.installModel(clsModel);
    await library.setCurrent(installed.ref);
    vi.stubEnv('PLEURA_DATA_DIR', dataDir);
    const before = await snapshotFolder(folder);
    const out = path.join(root, 'out-current');

    const result = await pleuraTriage(folder, '--out', out, '--size', '64', '--thresholds', '0.2,0,0.4');
    expect(result.code).toBe(0);
    expect(await snapshotFolder(folder)).toEqual(before);

    // Progress: one line per file, n/total, the file, the verdict, milliseconds.
    const progress = result.stderr.trim().split('\n').filter((line) => line.startsWith('['));
    expect(progress).toHaveLength(4);
    expect(progress[3]).toMatch(/^\[4\/4\] \S+ {2}(Suspected pneumothorax|Not flagged — peak \d\.\d\d.*|error .*) {2}\d+ ms$/);
    expect(progress.find((line) => line.includes(broken))).toMatch(/error truncated: /);

    const report = await readReport(out);
    expect(JSON.parse(result.stdout)).toMatchObject({ files: 4, triaged: 3, errors: 1, models: [installed.ref] });
    expect(report).toMatchObject({
      format: 'pleura-triage',
      tta: 'hflip',
      rule: { kind: 'triple-threshold', top: 0.2, minArea: 0, bottom: 0.4, minRegionArea: null },
      ruleSource: { kind: 'thresholds' },
      models: [{ ref: installed.ref, dir: installed.dir, arch: 'unet34cls', inputSize: 64, weight: 1, engine: { engine: 'onnx', backend: 'cpu' } }],
      formatVersion: 2,
      intendedUse: { bodyParts: ['CHEST', 'THORAX'], absentBodyPart: true, views: ['PA', 'AP'], absentView: true },
      summary: { files: 4, triaged: 3, notAssessed: 0, errors: 1, errorsByCode: { truncated: 1 } },
    });
    expect(report.images.find((image) => image.path === broken)).toEqual({ path: broken, status: 'error', error: { code: 'truncated', message: expect.any(String) } });

    const triaged = report.images.filter((image): image is TriagedImage => image.status === 'ok');
    expect(triaged.map((image) => image.sopInstanceUid).sort()).toEqual(TRIAGE_IMAGES.map((image) => image.sopUid).sort());
    const submission = parseMaskTable(await readFile(path.join(out, 'submission.csv'), 'utf8'));
    expect([...submission.keys()].sort()).toEqual(TRIAGE_IMAGES.map((image) => image.sopUid).sort());
    for (const image of triaged) {
      const source = TRIAGE_IMAGES.find((i) => i.sopUid === image.sopInstanceUid)!;
      expect(image).toMatchObject({ path: path.join(folder, source.file), studyInstanceUid: studyOf(source.sopUid), rows: source.rows, columns: source.columns });
      expect(image.nonEmptyProbability).toBeGreaterThan(0);
      expect(image.nonEmptyProbability).toBeLessThan(1);
      for (const phase of ['decodeMs', 'preprocessMs', 'modelMs', 'postprocessMs'] as const) expect(image.timings[phase]).toBeGreaterThan(0);
      // The submission's mask, decoded at the source size, is exactly the mask the results describe.
      const rows = submission.get(image.sopInstanceUid)!;
      expect(rows).toHaveLength(1);
      const mask = decodeRle(rows[0].encodedPixels, source);
      expect(maskArea(mask)).toBe(image.areaPixels);
      expect(image.flag).toBe(image.areaPixels > 0 ? 'positive' : 'not-flagged');
      expect(image.words).toBe(image.flag === 'positive' ? 'Suspected pneumothorax' : `Not flagged — peak ${image.maxProbability.toFixed(2)} below 0.20`);
      expect(image.maxProbability).toBeGreaterThanOrEqual(image.score);
      expect(connectedComponents(mask).components.map((c) => c.area).sort((a, b) => b - a)).toEqual(image.findings.map((f) => f.areaPixels));
      expect(image.areaMm2).toBe(source.spacing ? image.areaPixels * (0.2 * 0.2) : null);
      // The heatmap is a PNG of the source's shape.
      expect(image.heatmap).toBe(`heatmaps/${image.sopInstanceUid}.png`);
      const png = PNG.sync.read(await readFile(path.join(out, image.heatmap)));
      expect([png.height, png.width]).toEqual([source.rows, source.columns]);
    }
    // These random-weight models give p from about 0.15 to 0.48: with bottom 0.4 the masks are partial.
    expect(triaged.some((image) => image.areaPixels > 0 && image.areaPixels < image.rows * image.columns)).toBe(true);
    expect((await readdir(out)).sort()).toEqual(['heatmaps', 'results.json', 'submission.csv']);
  });

  it('averages an ensemble of two models with the given weights, using the first card\'s rule by default', async () => {
    const out = path.join(root, 'out-ensemble');
    const result = await pleuraTriage(folder, '--out', out, '--model', clsModel, '--model', light, '--weights', '3,1', '--tta', 'none');
    expect(result.code).toBe(0);
    const report = await readReport(out);
    expect(report.models.map((m) => [m.ref, m.arch, m.inputSize, m.weight])).toEqual([
      ['test-unet34cls@41', 'unet34cls', 64, 0.75],
      ['test-unet-light@42', 'unet-light', 64, 0.25],
    ]);
    expect(report.ruleSource).toEqual({ kind: 'card', model: 'test-unet34cls@41' });
    expect(report.rule).toEqual({ kind: 'triple-threshold', top: 0.75, minArea: 2000, bottom: 0.3, minRegionArea: 100 });
    expect(report.tta).toBe('none');
    expect(report.summary).toMatchObject({ triaged: 3, errors: 1 });
  });

  it('refuses the classifier gate when no model has a classification head', async () => {
    const result = await pleuraTriage(folder, '--out', path.join(root, 'out-gate'), '--model', light, '--preset', 'classifier-gate');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/classifier-gate rule needs P\(non-empty\) from a model with a classification head/);
  });

  it('refuses an output folder inside the input folder, equal to it, or reached through a link into it', async () => {
    const link = path.join(root, 'link-to-studies');
    symlinkSync(folder, link);
    const before = await snapshotFolder(folder);
    for (const out of [folder, path.join(folder, 'results'), path.join(folder, 'patient-1', 'deeper', 'out'), path.join(link, 'out')]) {
      await expect(pleuraTriage(folder, '--out', out, '--model', clsModel)).rejects.toThrow(/is inside the input folder .* never writes into the folder it reads/);
    }
    expect(await snapshotFolder(folder)).toEqual(before);
    // Triage writes DIR/heatmaps: that must not be the input either.
    const heatmapsAsInput = path.join(root, 'elsewhere', 'heatmaps');
    mkdirSync(heatmapsAsInput, { recursive: true });
    await expect(pleuraTriage(heatmapsAsInput, '--out', path.join(root, 'elsewhere'), '--model', clsModel)).rejects.toThrow(/is inside the input folder/);
    expect(readdirSync(heatmapsAsInput)).toEqual([]);
    await expect(pleuraTriage(path.join(root, 'absent'), '--out', path.join(root, 'out-absent'))).rejects.toThrow(/cannot read the input folder .*absent: it does not exist/);
  });

  it.each([
    [['--out', 'o', '--thresholds', '0.7,600'], '--thresholds expects TOP,MIN_AREA,BOTTOM'],
    [['--out', 'o', '--thresholds', '1.5,600,0.3'], '--thresholds expects TOP,MIN_AREA,BOTTOM'],
    [['--out', 'o', '--preset', 'best'], 'unknown post-processing preset "best"'],
    [['--out', 'o', '--preset', 'leaderboard-best', '--thresholds', '0.7,600,0.3'], 'give --thresholds or --preset, not both'],
    [[], 'give --out DIR'],
    [['--out', 'o', '--engine', 'torch'], '--engine must be one of onnx, tfjs'],
  ])('refuses bad flags %j before doing any work', async (flags, message) => {
    await expect(pleuraTriage(folder, ...flags)).rejects.toThrow(CliUsageError);
    await expect(pleuraTriage(folder, ...flags)).rejects.toThrow(message);
  });
});

describeWithSharedData('pleura triage on real hip, extremity and chest films', () => {
  it('assesses the chest film only: the others are listed as not assessed with the reason, never sent to the model', async () => {
    const input = path.join(root, 'real-films');
    mkdirSync(input);
    for (const file of ['codecs/RG2_UNC.dcm', 'codecs/RG3_UNC.dcm', 'cxr/RG1_J2KI.dcm']) symlinkSync(sharedFile(...file.split('/')), path.join(input, path.basename(file)));
    const out = path.join(root, 'out-real');
    const result = await pleuraTriage(input, '--out', out, '--model', clsModel, '--size', '64', '--tta', 'none');
    expect(result.code).toBe(0);
    const report = await readReport(out);
    expect(report.summary).toMatchObject({ files: 3, triaged: 1, notAssessed: 2, errors: 0 });
    const byName = new Map(report.images.map((image) => [path.basename(image.path), image]));
    expect(byName.get('RG2_UNC.dcm')).toMatchObject({ status: 'not-assessed', flag: 'not-assessed', notAssessedReason: 'body part HIP', words: 'Not assessed — body part HIP' });
    expect(byName.get('RG3_UNC.dcm')).toMatchObject({ status: 'not-assessed', notAssessedReason: 'body part EXTREMITY' });
    // A model of random weights is no more than a demonstration, and the NEMA chest film is a real radiograph.
    expect(report.demonstrationModel).toBe(true);
    expect(byName.get('RG1_J2KI.dcm')).toMatchObject({ status: 'ok', demonstrationModel: true, flag: expect.stringMatching(/^(positive|not-flagged)$/) });
    expect(readdirSync(path.join(out, 'heatmaps'))).toHaveLength(1);
    expect(result.stderr).toMatch(/RG2_UNC\.dcm {2}Not assessed — body part HIP/);
  }, 60_000);
});

describeWithSharedData('pleura triage on the SIIM files', () => {
  it('triages the three 1024 x 1024 radiographs and lists the mask table as not DICOM', async () => {
    const out = path.join(root, 'out-siim');
    const siim = sharedFile('siim');
    const result = await pleuraTriage(siim, '--out', out, '--model', clsModel, '--size', '64', '--preset', 'leaderboard-best');
    expect(result.code).toBe(0);
    const report = await readReport(out);
    expect(report.summary).toMatchObject({ files: 4, triaged: 3, errors: 1, errorsByCode: { 'not-dicom': 1 } });
    const triaged = report.images.filter((image): image is TriagedImage => image.status === 'ok');
    for (const image of triaged) {
      expect(path.basename(image.path)).toBe(`${image.sopInstanceUid}.dcm`);
      expect([image.rows, image.columns]).toEqual([1024, 1024]);
      const png = PNG.sync.read(await readFile(path.join(out, image.heatmap)));
      expect([png.height, png.width]).toEqual([512, 512]);
    }
    const submission = parseMaskTable(await readFile(path.join(out, 'submission.csv'), 'utf8'));
    expect(submission.size).toBe(3);
  });
});

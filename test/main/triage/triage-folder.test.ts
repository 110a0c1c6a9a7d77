// triageFolder with real parts (decode pool, inference worker, small model): the decode of image k+1 starts
// before image k leaves the model, proved with an injected counter as the clock rather than wall-clock thresholds;
// hostile SOP Instance UIDs and a planted link never send a heatmap outside the output folder.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeEnsemble, loadEnsemble, type EnsembleMember } from '../../../main/inference/load-ensemble';
import type { Span } from '../../../main/triage/pipeline';
import { uidFileStem } from '../../../main/fs/contained-path';
import { parseMaskTable } from '../../../ml/post';
import { OutputFolderError } from '../../../main/triage/output-folder';
import { triageFolder } from '../../../main/triage/triage-folder';
import { CLS_MODEL, writeSmallModel } from '../../fixtures/small-models';
import { snapshotFolder, writeStudyFolder } from '../../fixtures/study-folder';
import { writeSyntheticDicom } from '../../fixtures/synthetic-dicom';

const root = mkdtempSync(path.join(tmpdir(), 'pleura-triage-folder-'));
const folder = path.join(root, 'in');
const COUNT = 5;
let members: EnsembleMember[];

beforeAll(async () => {
  const model = path.join(root, 'model');
  await writeSmallModel(model, CLS_MODEL, 64);
  await writeStudyFolder(folder, { studies: 1, imagesPerStudy: COUNT });
  members = await loadEnsemble([model], { engine: 'onnx' });
}, 120_000);
afterAll(async () => {
  await disposeEnsemble(members ?? []);
  rmSync(root, { recursive: true, force: true });
});

describe('triageFolder', () => {
  it('decodes image k+1 while image k is in the model, and never more than one image ahead', async () => {
    let tick = 0;
    const spans: Span[] = [];
    const report = await triageFolder({ folder, out: path.join(root, 'out'), members, size: 64, tta: 'none', clock: () => tick++, onSpan: (span) => spans.push(span) });
    expect(report.summary).toMatchObject({ files: COUNT, triaged: COUNT, errors: 0 });
    const span = (stage: Span['stage'], index: number) => spans.find((s) => s.stage === stage && s.index === index)!;
    for (let k = 0; k + 1 < COUNT; k++) {
      expect(span('decode', k + 1).start).toBeLessThan(span('infer', k).end);
      expect(span('finish', k).start).toBeGreaterThan(span('infer', k + 1).start);
    }
    for (let k = 0; k + 2 < COUNT; k++) expect(span('decode', k + 2).start).toBeGreaterThan(span('infer', k).end);
    expect(report.images.map((image) => path.basename(image.path))).toEqual(Array.from({ length: COUNT }, (_, k) => `IM0000${k + 1}.dcm`));
  });
});

describe('triageFolder with hostile SOP Instance UIDs', () => {
  const hostile = ['../../../PWNED', 'a/b', '..', `1.2.${'3'.repeat(100)}`, '1.2,3'];
  const input = path.join(root, 'deep', 'er', 'hostile');

  beforeAll(async () => {
    mkdirSync(input, { recursive: true });
    for (const [k, sopUid] of hostile.entries()) {
      await writeSyntheticDicom(path.join(input, `${k}.dcm`), { patientId: `P${k}`, studyUid: `1.2.7.${k}`, seriesUid: `1.2.7.${k}.1`, sopUid, rows: 64, columns: 64 });
    }
  });

  it('names each heatmap by a hash of its UID inside heatmaps/, and writes nothing anywhere else', async () => {
    const before = await snapshotFolder(path.join(root, 'deep'));
    const out = path.join(root, 'out-hostile');
    const report = await triageFolder({ folder: input, out, members, size: 64, tta: 'none' });
    expect(report.summary).toMatchObject({ files: hostile.length, triaged: hostile.length });
    expect(report.images.map((image) => image.status === 'ok' && image.heatmap).sort()).toEqual(hostile.map((uid) => `heatmaps/${uidFileStem(uid)}.png`).sort());
    expect(readdirSync(path.join(out, 'heatmaps')).sort()).toEqual(hostile.map((uid) => `${uidFileStem(uid)}.png`).sort());
    expect(readdirSync(out).sort()).toEqual(['heatmaps', 'results.json', 'submission.csv']);
    // A UID with a comma costs its row in submission.csv only.
    expect([...parseMaskTable(readFileSync(path.join(out, 'submission.csv'), 'utf8')).keys()].sort()).toEqual(hostile.filter((uid) => uid !== '1.2,3').sort());
    expect(await snapshotFolder(path.join(root, 'deep'))).toEqual(before);
    expect(existsSync(path.join(root, 'PWNED.png'))).toBe(false);
  });

  it('refuses a heatmaps/ link planted in the output folder, writing nothing through it', async () => {
    const out = path.join(root, 'out-planted');
    const target = path.join(root, 'planted-target');
    mkdirSync(out);
    mkdirSync(target);
    symlinkSync(target, path.join(out, 'heatmaps'));
    await expect(triageFolder({ folder: input, out, members, size: 64, tta: 'none' })).rejects.toThrow(/refusing to write .*outside/);
    expect(readdirSync(target)).toEqual([]);
  });

  it.each(['/', '/proc/self', '/dev/shm/pleura'])('refuses the output folder %s', async (out) => {
    await expect(triageFolder({ folder: input, out, members, size: 64, tta: 'none' })).rejects.toThrow(OutputFolderError);
    await expect(triageFolder({ folder: input, out, members, size: 64, tta: 'none' })).rejects.toThrow(/system folder|root of a file system/);
  });
});

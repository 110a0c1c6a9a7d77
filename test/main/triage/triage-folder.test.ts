// triageFolder with real parts (decode pool, inference worker, small model): the decode of image k+1 starts
// before image k leaves the model, proved with an injected counter as the clock rather than wall-clock thresholds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeEnsemble, loadEnsemble, type EnsembleMember } from '../../../main/inference/load-ensemble';
import type { Span } from '../../../main/triage/pipeline';
import { triageFolder } from '../../../main/triage/triage-folder';
import { CLS_MODEL, writeSmallModel } from '../../fixtures/small-models';
import { writeStudyFolder } from '../../fixtures/study-folder';

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

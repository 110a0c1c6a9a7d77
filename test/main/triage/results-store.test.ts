// The results store on a real index of scanned phantom studies, with verdicts written as a job writes them: which
// images a job takes, staleness read against the current configuration, reviews, and the worklist's priority order.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePhantomSet } from '../../../main/phantoms/write-set';
import { StudyIndex } from '../../../main/studies/index-db';
import { runScan } from '../../../main/studies/scanner';
import { DEFAULT_INTENDED_USE } from '../../../main/triage/intended-use';
import { createTriageStore, type TriageConfig, type TriageContext, type TriageStore, type VerdictRecord } from '../../../main/triage/results-store';

const RULE = { kind: 'triple-threshold', top: 0.75, minArea: 0, bottom: 0.4, minRegionArea: null } as const;
const CURRENT: TriageConfig = { configKey: 'current', models: ['m@2'], rule: RULE };
const OLD: TriageConfig = { configKey: 'old', models: ['m@1'], rule: RULE };
const SIZE = 64;
const context = (configKey: string): TriageContext => ({ configKey, demonstration: false, intendedUse: DEFAULT_INTENDED_USE });
const intendedUse = DEFAULT_INTENDED_USE;

let dir: string;
let index: StudyIndex;
let store: TriageStore;
/** instance id by name; each phantom is its own study */
const ids: Record<string, number> = {};
const studies: Record<string, string> = {};

function verdict(flag: 'positive' | 'not-flagged', score: number): VerdictRecord {
  return {
    flag,
    score: flag === 'positive' ? score : 0,
    areaPixels: flag === 'positive' ? 40 : 0,
    areaMm2: flag === 'positive' ? 250 : 0,
    side: flag === 'positive' ? 'left' : null,
    maxProbability: score,
    heldBack: flag === 'positive' ? null : { kind: 'peak', threshold: 0.75 },
    pixelSpacing: { row: 2.5, column: 2.5 },
    columnDirection: 'patient-left',
    findings: [],
    mask: { rows: SIZE, columns: SIZE, rle: flag === 'positive' ? '100 40' : '-1' },
    heatmap: { rows: 8, columns: 8, data: Uint8Array.from({ length: 64 }, (_, i) => i * 4) },
  };
}

const order = () => index.worklist(store.studySummaries(context('current'))).map((row) => Object.entries(studies).find(([, uid]) => uid === row.studyInstanceUid)![0]);
const names = (targets: { instanceId: number }[]) => targets.map((t) => Object.entries(ids).find(([, id]) => id === t.instanceId)![0]).sort();

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pleura-triage-store-'));
  await writePhantomSet({ out: path.join(dir, 'dicom'), count: 6, seed: 3, size: SIZE, positiveFraction: 0.5 });
  index = StudyIndex.open(path.join(dir, 'index.sqlite'));
  await runScan(index, { root: path.join(dir, 'dicom'), scanId: 'scan' });
  store = createTriageStore(index.database);
  const rows = index.worklist();
  for (const [k, name] of ['positive', 'weaker', 'stale', 'pending', 'notFlagged', 'failed'].entries()) {
    studies[name] = rows[k].studyInstanceUid;
    ids[name] = rows[k].firstInstanceId!;
  }
  const at = new Date('2025-01-02T03:04:05Z');
  store.saveVerdict(ids.positive, CURRENT, verdict('positive', 0.9), at);
  store.saveVerdict(ids.weaker, CURRENT, verdict('positive', 0.7), at);
  store.saveVerdict(ids.stale, OLD, verdict('positive', 0.95), at);
  store.saveVerdict(ids.notFlagged, CURRENT, verdict('not-flagged', 0.2), at);
  store.saveError(ids.failed, CURRENT, { code: 'truncated', message: 'file ends inside Pixel Data' }, at);
}, 60_000);

afterAll(() => {
  index?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the triage results store', () => {
  it('reads a verdict back whole, with the file it came from', () => {
    const stored = store.get(ids.positive)!;
    expect(stored).toMatchObject({ state: 'triaged', configKey: 'current', models: ['m@2'], rule: RULE, flag: 'positive', score: 0.9, areaMm2: 250, side: 'left' });
    expect(stored).toMatchObject({ maskRle: '100 40', maskRows: SIZE, maskColumns: SIZE, heatmapRows: 8, heatmapColumns: 8, triagedAt: '2025-01-02T03:04:05.000Z' });
    expect(stored.heatmap).toEqual(Uint8Array.from({ length: 64 }, (_, i) => i * 4));
    expect(stored.studyInstanceUid).toBe(studies.positive);
    expect(stored.path).toMatch(/\.dcm$/);
    expect(store.get(ids.pending)).toBeNull();
    expect(store.listTriaged().map((s) => s.instanceId).sort()).toEqual([ids.positive, ids.weaker, ids.stale, ids.notFlagged].sort());
    expect(store.listTriaged({ studyInstanceUids: [studies.weaker] }).map((s) => [s.instanceId, s.heatmap])).toEqual([[ids.weaker, null]]);
    expect(store.listTriaged({ studyInstanceUids: [studies.weaker], heatmaps: true })[0].heatmap).toHaveLength(64);
  });

  it('reads a verdict of another configuration as stale, and an image without one as pending', () => {
    const state = (name: string) => store.imagesOfStudy(studies[name], context('current'))[0].state;
    expect(['positive', 'stale', 'pending', 'failed'].map(state)).toEqual(['triaged', 'stale', 'pending', 'error']);
    // A stale verdict keeps its models for the viewer to name, but no flag or figures.
    expect(store.imagesOfStudy(studies.stale, context('current'))[0]).toMatchObject({ flag: null, words: 'Stale — re-triage', score: null, areaCm2: null, models: ['m@1'] });
    expect(store.imagesOfStudy(studies.notFlagged, context('current'))[0]).toMatchObject({ flag: 'not-flagged', words: 'Not flagged — peak 0.20 below 0.75', score: null, maxProbability: 0.2 });
    expect(store.imagesOfStudy(studies.positive, context('current'))[0]).toMatchObject({ flag: 'positive', words: 'Suspected pneumothorax', score: 0.9, maxProbability: 0.9, areaPixels: 40, areaCm2: 2.5, side: 'left' });
    expect(store.imagesOfStudy(studies.failed, context('current'))[0].error).toEqual({ code: 'truncated', message: 'file ends inside Pixel Data' });
    expect(store.imagesOfStudy('1.2.3.4', context('current'))).toEqual([]);
  });

  it('gives a job the images without a verdict, those not current, or all of them', () => {
    expect(names(store.targets({ configKey: 'current', intendedUse, scope: 'missing' }))).toEqual(['pending']);
    expect(names(store.targets({ configKey: 'current', intendedUse, scope: 'outdated' }))).toEqual(['failed', 'pending', 'stale']);
    expect(names(store.targets({ configKey: 'current', intendedUse, scope: 'all', studyInstanceUids: [studies.positive, studies.pending] }))).toEqual(['pending', 'positive']);
    expect(store.targets({ configKey: 'current', intendedUse, scope: 'all', under: path.join(dir, 'elsewhere') })).toEqual([]);
  });

  it('orders the worklist: current positives by score, then the unknown (stale first), then not flagged, then failures', () => {
    expect(order()).toEqual(['positive', 'weaker', 'stale', 'pending', 'notFlagged', 'failed']);
    const row = index.worklist(store.studySummaries(context('current'))).find((r) => r.studyInstanceUid === studies.stale)!;
    expect(row.triage).toEqual({
      state: 'stale',
      flag: null,
      flagSource: null,
      words: 'Stale — re-triage',
      score: null,
      maxProbability: null,
      areaCm2: null,
      side: null,
      demonstrationModel: false,
      counts: { stale: 1 },
      reviewed: false,
    });
    expect(index.worklist().map((r) => r.triage)).toEqual(Array(6).fill(null));
  });

  it('shows no flag while an image is queued again, and puts unfinished rows back as they were', () => {
    store.markQueued([ids.notFlagged, ids.pending], CURRENT);
    expect(store.imagesOfStudy(studies.notFlagged, context('current'))[0]).toMatchObject({ state: 'queued', flag: null, words: 'Queued for triage' });
    store.markRunning(ids.pending);
    expect(store.imagesOfStudy(studies.pending, context('current'))[0].state).toBe('running');
    expect(order()).toEqual(['positive', 'weaker', 'stale', 'notFlagged', 'pending', 'failed']);
    store.settleUnfinished([ids.notFlagged, ids.pending]);
    expect(store.imagesOfStudy(studies.notFlagged, context('current'))[0].state).toBe('triaged');
    expect(store.imagesOfStudy(studies.pending, context('current'))[0].state).toBe('pending');
    expect(order()).toEqual(['positive', 'weaker', 'stale', 'pending', 'notFlagged', 'failed']);
  });

  it("ranks a study by a person's review once there is one, whatever model is current", () => {
    const review = { decision: 'rejected', reviewer: 'dr. who', at: '2025-02-03T04:05:06.000Z', maskRle: null } as const;
    expect(store.setReview(ids.positive, review)?.review).toEqual({ ...review, figures: { score: 0, areaPixels: 0, areaMm2: 0, side: null } });
    expect(store.setReview(ids.pending, review)).toBeNull();
    expect(order()).toEqual(['weaker', 'stale', 'pending', 'positive', 'notFlagged', 'failed']);
    const image = store.imagesOfStudy(studies.positive, context('another'))[0];
    expect(image).toMatchObject({ state: 'reviewed', flag: 'not-flagged', flagSource: 'reviewer', words: 'Reviewed: no pneumothorax — dr. who', score: null, areaCm2: null });
    expect(image.review).toEqual({ decision: 'rejected', reviewer: 'dr. who', at: review.at });
    // An edit of the stale image: three pixels of column 0 (the patient's right), 6.25 mm² each, measured on its heatmap.
    store.setReview(ids.stale, { ...review, decision: 'edited', maskRle: '5 3' });
    expect(store.get(ids.stale)?.review?.figures).toMatchObject({ areaPixels: 3, areaMm2: 18.75, side: 'right' });
    const row = index.worklist(store.studySummaries(context('current'))).find((r) => r.studyInstanceUid === studies.stale)!;
    expect(row.triage).toMatchObject({ state: 'reviewed', flag: 'positive', flagSource: 'reviewer', words: 'Reviewed: pneumothorax — dr. who', areaCm2: 0.1875, side: 'right', reviewed: true });
    // Ranked among the positives by the reviewed mask's score (the heatmap's low corner), below the weaker model positive.
    expect(row.triage!.score).toBeLessThan(0.1);
    expect(order()).toEqual(['weaker', 'stale', 'pending', 'positive', 'notFlagged', 'failed']);
  });

  it('reads images outside the intended use as not assessed, and never gives them to a job', () => {
    const apOnly = { ...DEFAULT_INTENDED_USE, views: ['AP'], absentView: false };
    const pending = store.imagesOfStudy(studies.pending, { ...context('current'), intendedUse: apOnly })[0];
    expect(pending).toMatchObject({ state: 'not-assessed', flag: 'not-assessed', words: 'Not assessed — view PA', notAssessedReason: 'view PA' });
    expect(store.targets({ configKey: 'current', intendedUse: apOnly, scope: 'all' })).toEqual([]);
    const summary = store.studySummaries({ ...context('current'), intendedUse: apOnly }).get(studies.pending)!;
    expect(summary).toMatchObject({ priority: 3, triage: { state: 'not-assessed', flag: 'not-assessed', words: 'Not assessed — view PA' } });
  });

  it("tells Pleura's phantoms from patients' images: no demonstration mark on them", () => {
    const demo = { ...context('current'), demonstration: true };
    expect(store.get(ids.weaker)?.phantom).toBe(true);
    expect(store.imagesOfStudy(studies.weaker, demo)[0]).toMatchObject({ flag: 'positive', demonstrationModel: false });
  });
});

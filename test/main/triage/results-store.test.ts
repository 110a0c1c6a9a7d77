// The results store on a real index of scanned phantom studies, with verdicts written as a job writes them: which
// images a job takes, staleness read against the current configuration, reviews, and the worklist's priority order.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePhantomSet } from '../../../main/phantoms/write-set';
import { StudyIndex } from '../../../main/studies/index-db';
import { runScan } from '../../../main/studies/scanner';
import { createTriageStore, type TriageConfig, type TriageStore, type VerdictRecord } from '../../../main/triage/results-store';

const RULE = { kind: 'triple-threshold', top: 0.75, minArea: 0, bottom: 0.4, minRegionArea: null } as const;
const CURRENT: TriageConfig = { configKey: 'current', models: ['m@2'], rule: RULE };
const OLD: TriageConfig = { configKey: 'old', models: ['m@1'], rule: RULE };
const SIZE = 64;

let dir: string;
let index: StudyIndex;
let store: TriageStore;
/** instance id by name; each phantom is its own study */
const ids: Record<string, number> = {};
const studies: Record<string, string> = {};

function verdict(flag: 'positive' | 'negative', score: number): VerdictRecord {
  return {
    flag,
    score,
    areaPixels: flag === 'positive' ? 40 : 0,
    areaMm2: flag === 'positive' ? 250 : 0,
    side: flag === 'positive' ? 'left' : null,
    findings: [],
    mask: { rows: SIZE, columns: SIZE, rle: flag === 'positive' ? '100 40' : '-1' },
    heatmap: { rows: 8, columns: 8, data: Uint8Array.from({ length: 64 }, (_, i) => i * 4) },
  };
}

const order = () => index.worklist(store.studySummaries('current')).map((row) => Object.entries(studies).find(([, uid]) => uid === row.studyInstanceUid)![0]);
const names = (targets: { instanceId: number }[]) => targets.map((t) => Object.entries(ids).find(([, id]) => id === t.instanceId)![0]).sort();

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pleura-triage-store-'));
  await writePhantomSet({ out: path.join(dir, 'dicom'), count: 6, seed: 3, size: SIZE, positiveFraction: 0.5 });
  index = StudyIndex.open(path.join(dir, 'index.sqlite'));
  await runScan(index, { root: path.join(dir, 'dicom'), scanId: 'scan' });
  store = createTriageStore(index.database);
  const rows = index.worklist();
  for (const [k, name] of ['positive', 'weaker', 'stale', 'pending', 'negative', 'failed'].entries()) {
    studies[name] = rows[k].studyInstanceUid;
    ids[name] = rows[k].firstInstanceId!;
  }
  const at = new Date('2025-01-02T03:04:05Z');
  store.saveVerdict(ids.positive, CURRENT, verdict('positive', 0.9), at);
  store.saveVerdict(ids.weaker, CURRENT, verdict('positive', 0.7), at);
  store.saveVerdict(ids.stale, OLD, verdict('positive', 0.95), at);
  store.saveVerdict(ids.negative, CURRENT, verdict('negative', 0.2), at);
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
    expect(store.listTriaged().map((s) => s.instanceId).sort()).toEqual([ids.positive, ids.weaker, ids.stale, ids.negative].sort());
    expect(store.listTriaged({ studyInstanceUids: [studies.weaker] }).map((s) => [s.instanceId, s.heatmap])).toEqual([[ids.weaker, null]]);
    expect(store.listTriaged({ studyInstanceUids: [studies.weaker], heatmaps: true })[0].heatmap).toHaveLength(64);
  });

  it('reads a verdict of another configuration as stale, and an image without one as pending', () => {
    const state = (name: string) => store.imagesOfStudy(studies[name], 'current')[0].state;
    expect(['positive', 'stale', 'pending', 'failed'].map(state)).toEqual(['triaged', 'stale', 'pending', 'error']);
    expect(store.imagesOfStudy(studies.stale, 'current')[0]).toMatchObject({ flag: 'positive', score: 0.95, areaCm2: 2.5, models: ['m@1'] });
    expect(store.imagesOfStudy(studies.failed, 'current')[0].error).toEqual({ code: 'truncated', message: 'file ends inside Pixel Data' });
    expect(store.imagesOfStudy('1.2.3.4', 'current')).toEqual([]);
  });

  it('gives a job the images without a verdict, those not current, or all of them', () => {
    expect(names(store.targets({ configKey: 'current', scope: 'missing' }))).toEqual(['pending']);
    expect(names(store.targets({ configKey: 'current', scope: 'outdated' }))).toEqual(['failed', 'pending', 'stale']);
    expect(names(store.targets({ configKey: 'current', scope: 'all', studyInstanceUids: [studies.positive, studies.pending] }))).toEqual(['pending', 'positive']);
    expect(store.targets({ configKey: 'current', scope: 'all', under: path.join(dir, 'elsewhere') })).toEqual([]);
  });

  it('orders the worklist: current positives by score, then the unknown (stale first), then negatives, then failures', () => {
    expect(order()).toEqual(['positive', 'weaker', 'stale', 'pending', 'negative', 'failed']);
    const row = index.worklist(store.studySummaries('current')).find((r) => r.studyInstanceUid === studies.stale)!;
    expect(row.triage).toEqual({ state: 'stale', flag: 'positive', score: 0.95, areaCm2: 2.5, side: 'left', counts: { stale: 1 }, reviewed: false });
    expect(index.worklist().map((r) => r.triage)).toEqual(Array(6).fill(null));
  });

  it('keeps the earlier verdict beside a queued state, and puts unfinished rows back as they were', () => {
    store.markQueued([ids.negative, ids.pending], CURRENT);
    expect(store.imagesOfStudy(studies.negative, 'current')[0]).toMatchObject({ state: 'queued', flag: 'negative' });
    store.markRunning(ids.pending);
    expect(store.imagesOfStudy(studies.pending, 'current')[0].state).toBe('running');
    expect(order()).toEqual(['positive', 'weaker', 'stale', 'negative', 'pending', 'failed']);
    store.settleUnfinished([ids.negative, ids.pending]);
    expect(store.imagesOfStudy(studies.negative, 'current')[0].state).toBe('triaged');
    expect(store.imagesOfStudy(studies.pending, 'current')[0].state).toBe('pending');
    expect(order()).toEqual(['positive', 'weaker', 'stale', 'pending', 'negative', 'failed']);
  });

  it("ranks a study by a person's review once there is one, whatever model is current", () => {
    const review = { decision: 'rejected', reviewer: 'dr. who', at: '2025-02-03T04:05:06.000Z', maskRle: null } as const;
    expect(store.setReview(ids.positive, review)?.review).toEqual(review);
    expect(store.setReview(ids.pending, review)).toBeNull();
    expect(order()).toEqual(['weaker', 'stale', 'pending', 'positive', 'negative', 'failed']);
    const image = store.imagesOfStudy(studies.positive, 'another')[0];
    expect(image).toMatchObject({ state: 'reviewed', flag: 'positive', review: { decision: 'rejected', reviewer: 'dr. who', at: review.at } });
    store.setReview(ids.stale, { ...review, decision: 'edited', maskRle: '5 3' });
    expect(order()).toEqual(['stale', 'weaker', 'pending', 'positive', 'negative', 'failed']);
    const row = index.worklist(store.studySummaries('current')).find((r) => r.studyInstanceUid === studies.stale)!;
    expect(row.triage).toMatchObject({ state: 'reviewed', flag: 'positive', reviewed: true });
  });
});

// A review outlives the study index: its label records it, and a rebuilt index puts it back on the image's next
// verdict.
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createMask, encodeRle } from '../../../ml/post';
import { EventHub } from '../../../main/api/events';
import { listLabels } from '../../../main/labels/label-store';
import { auditLogPath, openAuditLog } from '../../../main/review/audit-log';
import { createReviewService } from '../../../main/review/service';
import { reviewsOfLabels } from '../../../main/services/index-rebuild';
import { StudyIndex } from '../../../main/studies/index-db';
import { runScan } from '../../../main/studies/scanner';
import { createTriageStore, type VerdictRecord } from '../../../main/triage/results-store';
import { CONFIG, CONTEXT, writeTriagedStudies, type TriagedStudies } from '../../fixtures/triaged-studies';

const SIZE = 64;
let fixture: TriagedStudies;
let rebuilt: StudyIndex;

beforeAll(async () => {
  fixture = await writeTriagedStudies({ count: 3, positives: 2, size: SIZE });
  rebuilt = StudyIndex.open(path.join(fixture.dir, 'rebuilt.sqlite'));
});
afterAll(() => {
  rebuilt?.close();
  fixture?.close();
});

const verdict: VerdictRecord = {
  flag: 'positive',
  score: 0.8,
  areaPixels: 8,
  areaMm2: null,
  side: 'left',
  maxProbability: 0.8,
  heldBack: null,
  pixelSpacing: null,
  columnDirection: 'patient-left',
  findings: [],
  mask: { rows: SIZE, columns: SIZE, rle: '3 8' },
  heatmap: { rows: 1, columns: 1, data: Uint8Array.of(9) },
};

it("puts the label's review on the image's next verdict in a rebuilt index, and on nothing else", async () => {
  const review = createReviewService({
    db: fixture.index.database,
    store: fixture.store,
    dataDir: fixture.dataDir,
    events: new EventHub(),
    reviewer: () => 'Dr Ada',
    triageContext: () => CONTEXT,
    scannedRoots: () => fixture.index.roots(),
    audit: openAuditLog(fixture.index.database, auditLogPath(fixture.dataDir)),
    now: () => new Date('2026-03-01T10:00:00Z'),
  });
  const [edited, rejected, untouched] = fixture.images;
  const drawn = createMask({ rows: SIZE, columns: SIZE });
  drawn.data.fill(1, 40, 60);
  await review.handlers['review.save']({ instanceId: edited.instanceId, decision: 'edited', encodedPixels: encodeRle(drawn) });
  await review.handlers['review.save']({ instanceId: rejected.instanceId, decision: 'rejected' });
  const before = fixture.store.get(edited.instanceId)!.review;

  await runScan(rebuilt, { root: fixture.dicomFolder, scanId: 'rebuild' });
  const store = createTriageStore(rebuilt.database);
  store.restoreReviews(reviewsOfLabels(await listLabels(fixture.dataDir)));
  const idOf = (sop: string) => rebuilt.worklist().map((row) => rebuilt.detail(row.studyInstanceUid)!.series[0].instances[0]).find((i) => i.sopInstanceUid === sop)!.id;

  store.markQueued([idOf(edited.sopInstanceUid)], CONFIG);
  store.saveVerdict(idOf(edited.sopInstanceUid), CONFIG, verdict, new Date());
  const { figures, ...restored } = store.get(idOf(edited.sopInstanceUid))!.review!;
  const { figures: _measuredBefore, ...reviewed } = before!;
  expect(restored).toEqual(reviewed);
  expect(before).toMatchObject({ decision: 'edited', reviewer: 'Dr Ada', maskRle: encodeRle(drawn) });
  // Measured again on the new verdict: its heatmap (9 of 255 everywhere), no pixel spacing.
  expect(figures).toMatchObject({ areaPixels: 20, areaMm2: null });
  expect(figures.score).toBeCloseTo(9 / 255, 6);

  // A failed triage carries no review; the verdict after it does.
  store.saveError(idOf(rejected.sopInstanceUid), CONFIG, { code: 'decode-failed', message: 'x' }, new Date());
  expect(store.get(idOf(rejected.sopInstanceUid))!.review).toBeNull();
  store.saveVerdict(idOf(rejected.sopInstanceUid), CONFIG, verdict, new Date());
  expect(store.get(idOf(rejected.sopInstanceUid))!.review).toMatchObject({ decision: 'rejected', maskRle: '-1' });

  store.saveVerdict(idOf(untouched.sopInstanceUid), CONFIG, verdict, new Date());
  expect(store.get(idOf(untouched.sopInstanceUid))!.review).toBeNull();
});

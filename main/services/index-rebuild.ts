// After a damaged study index was replaced by a new one, what lives outside the index goes back in: the reviews
// first (from the label files; each waits for its image's next verdict), then every folder scanned before is
// scanned again. The audit log and the settings need nothing: they are read from their files as they open.
import type { ScanSummary } from '../api/contract';
import { listLabels, type LabelRecord } from '../labels/label-store';
import type { RestoredReview, TriageStore } from '../triage/results-store';
import type { OperationLog } from './operation-log';

/** The reviews the labels record; labels from before they recorded the decision have none to give. */
export function reviewsOfLabels(records: readonly LabelRecord[]): RestoredReview[] {
  return records.flatMap(({ sopInstanceUid, decision, reviewer, savedAt, encodedPixels }) =>
    decision ? [{ sopInstanceUid, decision, reviewer, at: savedAt, maskRle: encodedPixels }] : [],
  );
}

export interface RefillOptions {
  dataDir: string;
  store: Pick<TriageStore, 'restoreReviews'>;
  /** the folders scanned into the damaged index */
  roots: readonly string[];
  scan(root: string): Promise<ScanSummary>;
  log: OperationLog;
}

/** Never rejects: each step that fails is logged, and the others go on. */
export async function refillRebuiltIndex({ dataDir, store, roots, scan, log }: RefillOptions): Promise<void> {
  try {
    const reviews = reviewsOfLabels(await listLabels(dataDir));
    store.restoreReviews(reviews);
    log.record('index.reviews-restored', { reviews: reviews.length });
  } catch (error) {
    log.record('index.reviews-not-restored', { message: (error as Error).message });
  }
  await Promise.all(
    roots.map((root) => scan(root).then(
      (summary) => log.record('index.folder-rescanned', { root, cancelled: summary.cancelled }),
      (error: unknown) => log.record('index.folder-not-rescanned', { root, message: (error as Error).message }),
    )),
  );
}

// The review methods: a person confirms, rejects or edits the model's finding on one image. The reviewed mask is
// saved as a label for fine-tuning (the label store) and in the image's triage row, and the action goes to the audit
// log in the same transaction as the row, so the log never misses a review. audit.list and audit.export read the log.
import type Database from 'better-sqlite3';
import { encodeRle, maskArea } from '../../ml/post';
import { ApiError, type ApiHandlers, type AuditAction, type ReviewDecision } from '../api/contract';
import type { EventHub } from '../api/events';
import { exportForbiddenFolders, prepareExportFolder } from '../exports/export-folder';
import { writeFileAtomically } from '../fs/atomic-file';
import { containedPath } from '../fs/contained-path';
import { saveLabel } from '../labels/label-store';
import { readInstanceInfo } from '../studies/dicom';
import type { TriageContext, TriageStore } from '../triage/results-store';
import { formatAuditCsv } from './audit-csv';
import type { AuditLog } from './audit-log';
import { reviewedMask } from './review-mask';

export type ReviewHandlers = Pick<ApiHandlers, 'review.save' | 'audit.list' | 'audit.export'>;

export interface ReviewServiceOptions {
  db: Database.Database;
  store: TriageStore;
  dataDir: string;
  events: EventHub;
  /** the reviewer named in the settings */
  reviewer: () => string | Promise<string>;
  /** what a verdict is read against (triage service's context) */
  triageContext: () => TriageContext | Promise<TriageContext>;
  /** folders scanned into the index: the audit CSV never goes into one */
  scannedRoots: () => readonly string[];
  /** the process's one audit log (createServices builds it) */
  audit: AuditLog;
  now?: () => Date;
}

const ACTION: Record<ReviewDecision, AuditAction> = { confirmed: 'confirm', rejected: 'reject', edited: 'edit' };

export function createReviewService(options: ReviewServiceOptions): { handlers: ReviewHandlers } {
  const { db, store, events, audit } = options;
  const now = options.now ?? (() => new Date());

  const handlers: ReviewHandlers = {
    async 'review.save'({ instanceId, decision, encodedPixels }) {
      const stored = store.get(instanceId);
      if (!stored) throw new ApiError('not-found', `image ${instanceId} has no triage result to review; triage its study first`);
      const modelFlag = stored.flag;
      if (stored.state !== 'triaged' || modelFlag === null) {
        throw new ApiError('invalid-argument', `image ${instanceId} has no verdict to review (it is ${stored.state}${stored.error ? `: ${stored.error.message}` : ''})`);
      }
      const mask = reviewedMask(decision, encodedPixels, { maskRle: stored.maskRle, rows: stored.maskRows ?? stored.rows, columns: stored.maskColumns ?? stored.columns });
      const maskRle = encodeRle(mask);
      const reviewer = await options.reviewer();
      const at = now();
      // The label first: if it cannot be written, nothing says the image was reviewed.
      await saveLabel(options.dataDir, {
        sopInstanceUid: stored.sopInstanceUid,
        studyInstanceUid: stored.studyInstanceUid,
        // For grouping a patient's images in training; a file gone since its triage still gets its label.
        patientId: await readInstanceInfo(stored.path).then((info) => info.patientId, () => null),
        imagePath: stored.path,
        reviewer,
        decision,
        mask,
        savedAt: at,
      });
      const reviewed = db.transaction(() => {
        const row = store.setReview(instanceId, { decision, reviewer, at: at.toISOString(), maskRle });
        if (!row) return null;
        audit.append({
          at,
          who: reviewer,
          action: ACTION[decision],
          sopInstanceUid: stored.sopInstanceUid,
          studyInstanceUid: stored.studyInstanceUid,
          models: stored.models,
          detail: reviewDetail(decision, modelFlag, stored.maxProbability, maskArea(mask)),
        });
        return row;
      })();
      if (!reviewed) throw new ApiError('not-found', `image ${instanceId} lost its triage result while the review was saved; triage it again`);
      events.emit('worklist.changed', { studyInstanceUids: [stored.studyInstanceUid] });
      return store.toImageTriage(reviewed, await options.triageContext());
    },

    async 'audit.list'({ sopInstanceUid, limit }) {
      return audit.list({ sopInstanceUid, limit });
    },

    async 'audit.export'({ folder: requested }) {
      const folder = await prepareExportFolder(requested, exportForbiddenFolders(options.db, options.scannedRoots(), options.dataDir));
      const entries = audit.list();
      const at = now();
      const file = await containedPath(folder, `pleura-audit-${at.toISOString().replace(/[:.]/g, '-')}.csv`);
      await writeFileAtomically(file, formatAuditCsv(entries));
      audit.append({
        at,
        who: await options.reviewer(),
        action: 'export',
        sopInstanceUid: null,
        studyInstanceUid: null,
        models: [],
        detail: `audit log (${entries.length} entries) exported to ${file}`,
      });
      return { path: file, entries: entries.length };
    },
  };
  return { handlers };
}

/** The model's side of the record gives its peak probability: a score of 0.000 would say nothing about an image it did not flag. */
function reviewDetail(decision: ReviewDecision, flag: string, peak: number | null, maskPixels: number): string {
  const model = `model said ${flag}${peak === null ? '' : ` (peak probability ${peak.toFixed(3)})`}`;
  switch (decision) {
    case 'confirmed':
      return `confirmed the model's mask (${maskPixels} pixels); ${model}`;
    case 'rejected':
      return `rejected the finding: no pneumothorax; ${model}`;
    case 'edited':
      return `saved an edited mask (${maskPixels} pixels); ${model}`;
  }
}

// The triage results in the study index (table triage_results, migration 2): the one module that reads and writes
// its rows. A row is the latest verdict on one instance with the configuration that made it (config_key); whether it
// is stale is decided on reading, against the configuration current then. A row disappears with its instance, which
// a scan never deletes (a missing file keeps it). Reviews read back from the label files after the index was
// rebuilt (restored_reviews, migration 3) join their image's next verdict.
import type Database from 'better-sqlite3';
import type { Finding, PostProcessRule } from '../../ml/post';
import type { ImageTriage, ReviewDecision, StudyTriage } from '../api/contract';
import { pathRangeUnder } from '../studies/index-db';
import { imageState, summariseStudy, type ImageVerdict, type Priority, type StoredState } from './triage-state';

export type Side = 'left' | 'right' | 'bilateral';

export type StoredReview = { decision: ReviewDecision; reviewer: string; at: string; maskRle: string | null };

/** Which image a row is about, as the index knows it. */
export interface TriagedInstance {
  instanceId: number;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  /** the DICOM file (read only) */
  path: string;
  /** the image's size as indexed */
  rows: number;
  columns: number;
}

/** One instance's stored verdict, with what an export or the viewer needs to find and draw it. */
export interface StoredTriage extends TriagedInstance {
  state: StoredState;
  configKey: string;
  /** `<id>@<version>` of every model that made the verdict */
  models: string[];
  rule: PostProcessRule | null;
  flag: 'positive' | 'negative' | null;
  score: number | null;
  areaPixels: number | null;
  areaMm2: number | null;
  side: Side | null;
  findings: Finding[] | null;
  /** SIIM RLE of the model's mask at maskRows x maskColumns (the image's size) */
  maskRle: string | null;
  maskRows: number | null;
  maskColumns: number | null;
  /** 0..255 for probability 0..1 at the model's output size; null in listings unless asked for */
  heatmap: Uint8Array | null;
  heatmapRows: number | null;
  heatmapColumns: number | null;
  error: { code: string; message: string } | null;
  triagedAt: string | null;
  review: StoredReview | null;
}

/** What a job records when it queues images: the configuration the coming verdicts will carry. */
export type TriageConfig = { configKey: string; models: string[]; rule: PostProcessRule };

export type VerdictRecord = {
  flag: 'positive' | 'negative';
  score: number;
  areaPixels: number;
  areaMm2: number | null;
  side: Side | null;
  findings: Finding[];
  mask: { rows: number; columns: number; rle: string };
  heatmap: { rows: number; columns: number; data: Uint8Array };
};

/** An image a job should triage. */
export type TriageTarget = { instanceId: number; studyInstanceUid: string; path: string };

/** A review as the label store keeps it, by SOP Instance UID: put back on the image's next verdict. */
export type RestoredReview = StoredReview & { sopInstanceUid: string };

/** Which images a job takes: those without any row, those not triaged by the current configuration, or all. */
export type TriageScope = 'missing' | 'outdated' | 'all';

export type StudySummary = { triage: StudyTriage | null; priority: Priority };

export interface TriageStore {
  get(instanceId: number): StoredTriage | null;
  /** Every image of the study, triaged or not, in the study's order; empty when no such study is indexed. */
  imagesOfStudy(studyInstanceUid: string, currentConfigKey: string | null): ImageTriage[];
  /** The stored verdicts (rows with a flag), in study order; heatmaps only when asked for (they are large). */
  listTriaged(opts?: { studyInstanceUids?: string[]; heatmaps?: boolean }): StoredTriage[];
  /** Records a person's review; null when the image has no verdict to review. */
  setReview(instanceId: number, review: StoredReview): StoredTriage | null;
  toImageTriage(stored: StoredTriage, currentConfigKey: string | null): ImageTriage;
  /** Each indexed study's triage summary and worklist priority, by Study Instance UID. */
  studySummaries(currentConfigKey: string | null): Map<string, StudySummary>;

  // The job runner's side
  targets(opts: { configKey: string; scope: TriageScope; studyInstanceUids?: string[]; under?: string }): TriageTarget[];
  markQueued(instanceIds: readonly number[], config: TriageConfig): void;
  markRunning(instanceId: number): void;
  saveVerdict(instanceId: number, config: TriageConfig, verdict: VerdictRecord, at: Date): void;
  saveError(instanceId: number, config: TriageConfig, error: { code: string; message: string }, at: Date): void;
  /** Puts queued and running rows back as they were before their job (a cancel, or a crash found at start). */
  settleUnfinished(instanceIds?: readonly number[]): void;
  /** Reviews kept outside the index, for the verdicts a rebuilt index does not have yet (attached by saveVerdict). */
  restoreReviews(reviews: readonly RestoredReview[]): void;
}

type Row = TriagedInstance & {
  state: StoredState | null;
  configKey: string | null;
  models: string | null;
  rule: string | null;
  flag: 'positive' | 'negative' | null;
  score: number | null;
  areaPixels: number | null;
  areaMm2: number | null;
  side: Side | null;
  findings: string | null;
  maskRle: string | null;
  maskRows: number | null;
  maskColumns: number | null;
  heatmap?: Buffer | null;
  heatmapRows: number | null;
  heatmapColumns: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  triagedAt: number | null;
  reviewDecision: ReviewDecision | null;
  reviewer: string | null;
  reviewedAt: number | null;
  reviewMaskRle: string | null;
};

const columns = (heatmap: boolean) => `
  i.id AS instanceId, i.sop_instance_uid AS sopInstanceUid, se.series_uid AS seriesInstanceUid, st.study_uid AS studyInstanceUid,
  f.path AS path, i.rows AS rows, i.columns AS columns,
  t.state AS state, t.config_key AS configKey, t.models AS models, t.rule AS rule, t.flag AS flag, t.score AS score,
  t.area_pixels AS areaPixels, t.area_mm2 AS areaMm2, t.side AS side, t.findings AS findings,
  t.mask_rle AS maskRle, t.mask_rows AS maskRows, t.mask_columns AS maskColumns,
  ${heatmap ? 't.heatmap AS heatmap,' : ''} t.heatmap_rows AS heatmapRows, t.heatmap_columns AS heatmapColumns,
  t.error_code AS errorCode, t.error_message AS errorMessage, t.triaged_at AS triagedAt,
  t.review_decision AS reviewDecision, t.reviewer AS reviewer, t.reviewed_at AS reviewedAt, t.review_mask_rle AS reviewMaskRle`;

const from = `
  FROM instances i JOIN series se ON se.id = i.series_ref JOIN studies st ON st.id = se.study_ref JOIN files f ON f.id = i.file_ref`;

// The study's own order (as the study detail lists its images), so every listing agrees with the viewer.
const studyOrder = 'ORDER BY st.study_uid, se.series_number IS NULL, se.series_number, se.series_uid, i.instance_number IS NULL, i.instance_number, f.path';

/** A list of UIDs as one JSON parameter, so a filter of any length is one statement. */
const inList = (column: string) => `(? IS NULL OR ${column} IN (SELECT value FROM json_each(?)))`;

export function createTriageStore(db: Database.Database): TriageStore {
  const prepare = (sql: string) => db.prepare(sql);
  const s = {
    get: prepare(`SELECT ${columns(true)} ${from} JOIN triage_results t ON t.instance_ref = i.id WHERE i.id = ?`),
    ofStudy: prepare(`SELECT ${columns(false)} ${from} LEFT JOIN triage_results t ON t.instance_ref = i.id WHERE st.study_uid = ? ${studyOrder}`),
    triaged: prepare(`SELECT ${columns(false)} ${from} JOIN triage_results t ON t.instance_ref = i.id WHERE t.flag IS NOT NULL AND ${inList('st.study_uid')} ${studyOrder}`),
    triagedWithHeatmaps: prepare(`SELECT ${columns(true)} ${from} JOIN triage_results t ON t.instance_ref = i.id WHERE t.flag IS NOT NULL AND ${inList('st.study_uid')} ${studyOrder}`),
    verdicts: prepare(`
      SELECT st.study_uid AS studyInstanceUid, t.state AS state, t.config_key AS configKey, t.flag AS flag, t.score AS score,
        t.area_mm2 AS areaMm2, t.side AS side, t.review_decision AS reviewDecision, t.review_mask_rle AS reviewMaskRle
      ${from} LEFT JOIN triage_results t ON t.instance_ref = i.id`),
    targets: prepare(`
      SELECT i.id AS instanceId, st.study_uid AS studyInstanceUid, f.path AS path
      ${from} LEFT JOIN triage_results t ON t.instance_ref = i.id
      WHERE ${inList('st.study_uid')} AND (? IS NULL OR (f.path >= ? AND f.path < ?)) AND f.missing_since IS NULL
        AND (@scope = 'all' OR t.state IS NULL OR (@scope = 'outdated'
          AND (t.state != 'triaged' OR (t.review_decision IS NULL AND t.config_key != @configKey))))
      ${studyOrder}`),
    queue: prepare(`
      INSERT INTO triage_results (instance_ref, state, config_key, models, rule)
      SELECT @id, 'queued', @configKey, @models, @rule WHERE EXISTS (SELECT 1 FROM instances WHERE id = @id)
      ON CONFLICT (instance_ref) DO UPDATE SET state = 'queued'`),
    running: prepare(`UPDATE triage_results SET state = 'running' WHERE instance_ref = ?`),
    verdict: prepare(`
      INSERT INTO triage_results (instance_ref, state, config_key, models, rule, flag, score, area_pixels, area_mm2, side, findings,
        mask_rows, mask_columns, mask_rle, heatmap_rows, heatmap_columns, heatmap, error_code, error_message, triaged_at)
      SELECT @id, @state, @configKey, @models, @rule, @flag, @score, @areaPixels, @areaMm2, @side, @findings,
        @maskRows, @maskColumns, @maskRle, @heatmapRows, @heatmapColumns, @heatmap, @errorCode, @errorMessage, @at
      WHERE EXISTS (SELECT 1 FROM instances WHERE id = @id)
      ON CONFLICT (instance_ref) DO UPDATE SET state = excluded.state, config_key = excluded.config_key, models = excluded.models,
        rule = excluded.rule, flag = excluded.flag, score = excluded.score, area_pixels = excluded.area_pixels,
        area_mm2 = excluded.area_mm2, side = excluded.side, findings = excluded.findings, mask_rows = excluded.mask_rows,
        mask_columns = excluded.mask_columns, mask_rle = excluded.mask_rle, heatmap_rows = excluded.heatmap_rows,
        heatmap_columns = excluded.heatmap_columns, heatmap = excluded.heatmap, error_code = excluded.error_code,
        error_message = excluded.error_message, triaged_at = excluded.triaged_at`),
    review: prepare(`
      UPDATE triage_results SET review_decision = @decision, reviewer = @reviewer, reviewed_at = @at, review_mask_rle = @maskRle
      WHERE instance_ref = @id AND flag IS NOT NULL`),
    restoreReview: prepare(`
      INSERT INTO restored_reviews (sop_instance_uid, decision, reviewer, reviewed_at, mask_rle) VALUES (@sopInstanceUid, @decision, @reviewer, @at, @maskRle)
      ON CONFLICT (sop_instance_uid) DO UPDATE SET decision = excluded.decision, reviewer = excluded.reviewer,
        reviewed_at = excluded.reviewed_at, mask_rle = excluded.mask_rle`),
    attachRestored: prepare(`
      UPDATE triage_results SET review_decision = r.decision, reviewer = r.reviewer, reviewed_at = r.reviewed_at, review_mask_rle = r.mask_rle
      FROM instances i JOIN restored_reviews r ON r.sop_instance_uid = i.sop_instance_uid
      WHERE triage_results.instance_ref = ? AND i.id = triage_results.instance_ref
        AND triage_results.flag IS NOT NULL AND triage_results.review_decision IS NULL`),
    restore: prepare(`
      UPDATE triage_results SET state = CASE WHEN error_code IS NOT NULL THEN 'error' ELSE 'triaged' END
      WHERE state IN ('queued', 'running') AND (error_code IS NOT NULL OR flag IS NOT NULL) AND ${inList('instance_ref')}`),
    forget: prepare(`DELETE FROM triage_results WHERE state IN ('queued', 'running') AND error_code IS NULL AND flag IS NULL AND ${inList('instance_ref')}`),
  };

  const list = (values: readonly (string | number)[] | undefined) => {
    const json = values === undefined ? null : JSON.stringify(values);
    return [json, json];
  };
  const configParams = (config: TriageConfig) => ({ configKey: config.configKey, models: JSON.stringify(config.models), rule: JSON.stringify(config.rule) });
  const empty = { flag: null, score: null, areaPixels: null, areaMm2: null, side: null, findings: null, maskRows: null, maskColumns: null, maskRle: null, heatmapRows: null, heatmapColumns: null, heatmap: null };

  const toImageTriage = (stored: StoredTriage, currentConfigKey: string | null): ImageTriage => ({
    instanceId: stored.instanceId,
    sopInstanceUid: stored.sopInstanceUid,
    state: imageState({ state: stored.state, configKey: stored.configKey, reviewDecision: stored.review?.decision ?? null }, currentConfigKey),
    flag: stored.flag,
    score: stored.score,
    areaPixels: stored.areaPixels,
    areaCm2: stored.areaMm2 === null ? null : stored.areaMm2 / 100,
    side: stored.side,
    models: stored.models,
    rule: stored.rule,
    triagedAt: stored.triagedAt,
    error: stored.error,
    review: stored.review && { decision: stored.review.decision, reviewer: stored.review.reviewer, at: stored.review.at },
  });

  const store: TriageStore = {
    get(instanceId) {
      const row = s.get.get(instanceId) as Row | undefined;
      return row ? toStored(row) : null;
    },

    imagesOfStudy(studyInstanceUid, currentConfigKey) {
      return (s.ofStudy.all(studyInstanceUid) as Row[]).map((row) =>
        row.state === null ? pendingImage(row) : toImageTriage(toStored(row), currentConfigKey),
      );
    },

    listTriaged(opts = {}) {
      const statement = opts.heatmaps ? s.triagedWithHeatmaps : s.triaged;
      return (statement.all(...list(opts.studyInstanceUids)) as Row[]).map(toStored);
    },

    setReview(instanceId, review) {
      const at = Date.parse(review.at);
      if (Number.isNaN(at)) throw new RangeError(`a review's time must be an ISO date; got "${review.at}"`);
      const changed = s.review.run({ id: instanceId, decision: review.decision, reviewer: review.reviewer, at, maskRle: review.maskRle }).changes;
      return changed ? store.get(instanceId) : null;
    },

    toImageTriage,

    studySummaries(currentConfigKey) {
      const byStudy = new Map<string, ImageVerdict[]>();
      for (const row of s.verdicts.iterate() as Iterable<ImageVerdict & { studyInstanceUid: string }>) {
        let images = byStudy.get(row.studyInstanceUid);
        if (!images) byStudy.set(row.studyInstanceUid, (images = []));
        images.push(row);
      }
      return new Map([...byStudy].map(([uid, images]) => [uid, summariseStudy(images, currentConfigKey)]));
    },

    targets({ configKey, scope, studyInstanceUids, under }) {
      const range = under === undefined ? [null, null, null] : [under, ...pathRangeUnder(under)];
      return s.targets.all(...list(studyInstanceUids), ...range, { scope, configKey }) as TriageTarget[];
    },

    markQueued(instanceIds, config) {
      const params = configParams(config);
      db.transaction(() => {
        for (const id of instanceIds) s.queue.run({ id, ...params });
      })();
    },

    markRunning(instanceId) {
      s.running.run(instanceId);
    },

    saveVerdict(instanceId, config, verdict, at) {
      db.transaction(() => {
        s.verdict.run({
          id: instanceId,
          state: 'triaged',
          ...configParams(config),
          flag: verdict.flag,
          score: verdict.score,
          areaPixels: verdict.areaPixels,
          areaMm2: verdict.areaMm2,
          side: verdict.side,
          findings: JSON.stringify(verdict.findings),
          maskRows: verdict.mask.rows,
          maskColumns: verdict.mask.columns,
          maskRle: verdict.mask.rle,
          heatmapRows: verdict.heatmap.rows,
          heatmapColumns: verdict.heatmap.columns,
          heatmap: Buffer.from(verdict.heatmap.data.buffer, verdict.heatmap.data.byteOffset, verdict.heatmap.data.byteLength),
          errorCode: null,
          errorMessage: null,
          at: at.getTime(),
        });
        s.attachRestored.run(instanceId);
      })();
    },

    saveError(instanceId, config, error, at) {
      // The failure replaces the earlier verdict: showing an old flag beside a new error would mix two configurations.
      s.verdict.run({ id: instanceId, state: 'error', ...configParams(config), ...empty, errorCode: error.code, errorMessage: error.message, at: at.getTime() });
    },

    settleUnfinished(instanceIds) {
      db.transaction(() => {
        s.restore.run(...list(instanceIds));
        s.forget.run(...list(instanceIds));
      })();
    },

    restoreReviews(reviews) {
      db.transaction(() => {
        for (const { sopInstanceUid, decision, reviewer, at, maskRle } of reviews) {
          s.restoreReview.run({ sopInstanceUid, decision, reviewer, at: Date.parse(at), maskRle });
        }
      })();
    },
  };
  return store;
}

function toStored(row: Row): StoredTriage {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    instanceId: row.instanceId,
    sopInstanceUid: row.sopInstanceUid,
    seriesInstanceUid: row.seriesInstanceUid,
    studyInstanceUid: row.studyInstanceUid,
    path: row.path,
    rows: row.rows,
    columns: row.columns,
    state: row.state!,
    configKey: row.configKey!,
    models: JSON.parse(row.models ?? '[]') as string[],
    rule: row.rule === null ? null : (JSON.parse(row.rule) as PostProcessRule),
    flag: row.flag,
    score: row.score,
    areaPixels: row.areaPixels,
    areaMm2: row.areaMm2,
    side: row.side,
    findings: row.findings === null ? null : (JSON.parse(row.findings) as Finding[]),
    maskRle: row.maskRle,
    maskRows: row.maskRows,
    maskColumns: row.maskColumns,
    // A copy in a plain Uint8Array: a Buffer may be a view into node's shared pool, and transports expect the type.
    heatmap: row.heatmap ? new Uint8Array(row.heatmap) : null,
    heatmapRows: row.heatmapRows,
    heatmapColumns: row.heatmapColumns,
    error: row.errorCode === null ? null : { code: row.errorCode, message: row.errorMessage ?? '' },
    triagedAt: iso(row.triagedAt),
    review:
      row.reviewDecision === null
        ? null
        : { decision: row.reviewDecision, reviewer: row.reviewer ?? '', at: iso(row.reviewedAt) ?? '', maskRle: row.reviewMaskRle },
  };
}

function pendingImage(row: Row): ImageTriage {
  return {
    instanceId: row.instanceId,
    sopInstanceUid: row.sopInstanceUid,
    state: 'pending',
    flag: null,
    score: null,
    areaPixels: null,
    areaCm2: null,
    side: null,
    models: [],
    rule: null,
    triagedAt: null,
    error: null,
    review: null,
  };
}

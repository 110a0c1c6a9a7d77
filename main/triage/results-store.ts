// The triage results in the study index (table triage_results, migrations 2 and 4): the one module that reads and
// writes its rows. A row is the latest verdict on one instance with the configuration that made it (config_key);
// what it means now — stale or current, within the intended use or not, flagged or not — is decided on reading
// (triage-decision.ts), against the configuration and settings current then. A row disappears with its instance,
// which a scan never deletes (a missing file keeps it). Reviews read back from the label files after the index was
// rebuilt (restored_reviews, migration 3) join their image's next verdict. A review's mask is measured when it is
// saved, so listings read its figures as they read the model's. The model's "not flagged" is stored as 'negative'
// (the column's CHECK predates it); only this module knows.
import type Database from 'better-sqlite3';
import { decodeRle, type ColumnDirection, type Finding, type HeldBack, type PostProcessRule, type TriageFlag as ModelFlag } from '../../ml/post';
import type { ImageTriage, IntendedUse, ReviewDecision } from '../api/contract';
import { isPleuraPhantom } from '../phantoms/phantom-mark';
import { pathRangeUnder } from '../studies/index-db';
import { notAssessedReason, type IntendedUseTags } from './intended-use';
import { heatmapProbabilities, reviewFigures } from './review-figures';
import { decideImage, summariseStudy, type DecisionContext, type Figures, type ImageFacts, type Side, type StoredState, type StudySummary } from './triage-decision';

export type { Side, StudySummary };

export type StoredReview = { decision: ReviewDecision; reviewer: string; at: string; maskRle: string | null };

/** What reading a verdict depends on: the current configuration, the demonstration model, the intended use. */
export type TriageContext = DecisionContext & { intendedUse: IntendedUse };

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
  /** the tags its intended use is decided by */
  tags: IntendedUseTags;
  phantom: boolean;
}

/** One instance's stored verdict, with what an export or the viewer needs to find and draw it. */
export interface StoredTriage extends TriagedInstance {
  state: StoredState;
  configKey: string;
  /** `<id>@<version>` of every model that made the verdict */
  models: string[];
  rule: PostProcessRule | null;
  flag: ModelFlag | null;
  score: number | null;
  areaPixels: number | null;
  areaMm2: number | null;
  side: Side | null;
  maxProbability: number | null;
  heldBack: HeldBack | null;
  pixelSpacing: { row: number; column: number } | null;
  columnDirection: ColumnDirection;
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
  /** with the reviewed mask's figures */
  review: (StoredReview & { figures: Figures }) | null;
}

/** What a job records when it queues images: the configuration the coming verdicts will carry. */
export type TriageConfig = { configKey: string; models: string[]; rule: PostProcessRule };

export type VerdictRecord = {
  flag: ModelFlag;
  score: number;
  areaPixels: number;
  areaMm2: number | null;
  side: Side | null;
  maxProbability: number;
  heldBack: HeldBack | null;
  pixelSpacing: { row: number; column: number } | null;
  columnDirection: ColumnDirection;
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

export interface TriageStore {
  get(instanceId: number): StoredTriage | null;
  /** Every image of the study, triaged or not, in the study's order; empty when no such study is indexed. */
  imagesOfStudy(studyInstanceUid: string, context: TriageContext): ImageTriage[];
  /** The stored verdicts (rows with a flag), in study order; heatmaps only when asked for (they are large). */
  listTriaged(opts?: { studyInstanceUids?: string[]; heatmaps?: boolean }): StoredTriage[];
  /** Records a person's review with its mask's figures; null when the image has no verdict to review. */
  setReview(instanceId: number, review: StoredReview): StoredTriage | null;
  toImageTriage(stored: StoredTriage, context: TriageContext): ImageTriage;
  /** Each indexed study's triage summary and worklist priority, by Study Instance UID. */
  studySummaries(context: TriageContext): Map<string, StudySummary>;

  // The job runner's side
  /** The images a job should triage: only those within the intended use, which are never sent to a model otherwise. */
  targets(opts: { configKey: string; scope: TriageScope; studyInstanceUids?: string[]; under?: string; intendedUse: IntendedUse }): TriageTarget[];
  markQueued(instanceIds: readonly number[], config: TriageConfig): void;
  markRunning(instanceId: number): void;
  saveVerdict(instanceId: number, config: TriageConfig, verdict: VerdictRecord, at: Date): void;
  saveError(instanceId: number, config: TriageConfig, error: { code: string; message: string }, at: Date): void;
  /** Puts queued and running rows back as they were before their job (a cancel, or a crash found at start). */
  settleUnfinished(instanceIds?: readonly number[]): void;
  /** Reviews kept outside the index, for the verdicts a rebuilt index does not have yet (attached by saveVerdict). */
  restoreReviews(reviews: readonly RestoredReview[]): void;
}

/** The stored form of the model's flag. */
type StoredFlag = 'positive' | 'negative';
const toStoredFlag = (flag: ModelFlag): StoredFlag => (flag === 'positive' ? 'positive' : 'negative');
const fromStoredFlag = (flag: StoredFlag | null): ModelFlag | null => (flag === null ? null : flag === 'positive' ? 'positive' : 'not-flagged');

/** An instance's tags as the index columns hold them. */
type TagColumns = IntendedUseTags & { deidentificationMethod: string | null };

type Row = Omit<TriagedInstance, 'tags' | 'phantom'> &
  TagColumns & {
  state: StoredState | null;
  configKey: string | null;
  models: string | null;
  rule: string | null;
  flag: StoredFlag | null;
  score: number | null;
  areaPixels: number | null;
  areaMm2: number | null;
  side: Side | null;
  maxProbability: number | null;
  heldBack: string | null;
  spacingRow: number | null;
  spacingColumn: number | null;
  columnDirection: ColumnDirection | null;
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
  reviewScore: number | null;
  reviewAreaPixels: number | null;
  reviewAreaMm2: number | null;
  reviewSide: Side | null;
};

const tagColumns = `
  i.sop_class_uid AS sopClassUid, se.modality AS modality, i.body_part AS bodyPartExamined, i.view_position AS viewPosition,
  i.image_type AS imageType, i.manufacturer AS manufacturer, i.burned_in_annotation AS burnedInAnnotation,
  i.deidentification_method AS deidentificationMethod`;

/** What a verdict and its review are read as (the summaries read these too). */
const verdictColumns = `
  t.state AS state, t.config_key AS configKey, t.flag AS flag, t.score AS score, t.area_pixels AS areaPixels,
  t.area_mm2 AS areaMm2, t.side AS side, t.max_probability AS maxProbability, t.held_back AS heldBack,
  t.review_decision AS reviewDecision, t.reviewer AS reviewer, t.review_score AS reviewScore,
  t.review_area_pixels AS reviewAreaPixels, t.review_area_mm2 AS reviewAreaMm2, t.review_side AS reviewSide`;

const columns = (heatmap: boolean) => `
  i.id AS instanceId, i.sop_instance_uid AS sopInstanceUid, se.series_uid AS seriesInstanceUid, st.study_uid AS studyInstanceUid,
  f.path AS path, i.rows AS rows, i.columns AS columns, ${tagColumns}, ${verdictColumns},
  t.models AS models, t.rule AS rule, t.findings AS findings, t.spacing_row AS spacingRow, t.spacing_column AS spacingColumn,
  t.column_direction AS columnDirection, t.mask_rle AS maskRle, t.mask_rows AS maskRows, t.mask_columns AS maskColumns,
  ${heatmap ? 't.heatmap AS heatmap,' : ''} t.heatmap_rows AS heatmapRows, t.heatmap_columns AS heatmapColumns,
  t.error_code AS errorCode, t.error_message AS errorMessage, t.triaged_at AS triagedAt,
  t.reviewed_at AS reviewedAt, t.review_mask_rle AS reviewMaskRle`;

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
    verdicts: prepare(`SELECT st.study_uid AS studyInstanceUid, ${tagColumns}, ${verdictColumns} ${from} LEFT JOIN triage_results t ON t.instance_ref = i.id`),
    targets: prepare(`
      SELECT i.id AS instanceId, st.study_uid AS studyInstanceUid, f.path AS path, ${tagColumns}
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
        max_probability, held_back, spacing_row, spacing_column, column_direction,
        mask_rows, mask_columns, mask_rle, heatmap_rows, heatmap_columns, heatmap, error_code, error_message, triaged_at)
      SELECT @id, @state, @configKey, @models, @rule, @flag, @score, @areaPixels, @areaMm2, @side, @findings,
        @maxProbability, @heldBack, @spacingRow, @spacingColumn, @columnDirection,
        @maskRows, @maskColumns, @maskRle, @heatmapRows, @heatmapColumns, @heatmap, @errorCode, @errorMessage, @at
      WHERE EXISTS (SELECT 1 FROM instances WHERE id = @id)
      ON CONFLICT (instance_ref) DO UPDATE SET state = excluded.state, config_key = excluded.config_key, models = excluded.models,
        rule = excluded.rule, flag = excluded.flag, score = excluded.score, area_pixels = excluded.area_pixels,
        area_mm2 = excluded.area_mm2, side = excluded.side, findings = excluded.findings,
        max_probability = excluded.max_probability, held_back = excluded.held_back, spacing_row = excluded.spacing_row,
        spacing_column = excluded.spacing_column, column_direction = excluded.column_direction, mask_rows = excluded.mask_rows,
        mask_columns = excluded.mask_columns, mask_rle = excluded.mask_rle, heatmap_rows = excluded.heatmap_rows,
        heatmap_columns = excluded.heatmap_columns, heatmap = excluded.heatmap, error_code = excluded.error_code,
        error_message = excluded.error_message, triaged_at = excluded.triaged_at`),
    review: prepare(`
      UPDATE triage_results SET review_decision = @decision, reviewer = @reviewer, reviewed_at = @at, review_mask_rle = @maskRle,
        review_score = @score, review_area_pixels = @areaPixels, review_area_mm2 = @areaMm2, review_side = @side
      WHERE instance_ref = @id AND flag IS NOT NULL`),
    reviewFigures: prepare(`
      UPDATE triage_results SET review_score = @score, review_area_pixels = @areaPixels, review_area_mm2 = @areaMm2, review_side = @side
      WHERE instance_ref = @id`),
    unmeasuredReviews: prepare('SELECT instance_ref FROM triage_results WHERE review_decision IS NOT NULL AND review_area_pixels IS NULL'),
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
  const empty = {
    flag: null, score: null, areaPixels: null, areaMm2: null, side: null, findings: null, maxProbability: null, heldBack: null,
    spacingRow: null, spacingColumn: null, columnDirection: null, maskRows: null, maskColumns: null, maskRle: null,
    heatmapRows: null, heatmapColumns: null, heatmap: null,
  };

  const toImageTriage = (stored: StoredTriage, context: TriageContext): ImageTriage => imageTriage(stored, stored, context);

  /** Measures the reviewed mask of a row that has a verdict, and stores its figures. */
  const measureReview = (instanceId: number): void => {
    const stored = store.get(instanceId);
    if (!stored?.review || stored.flag === null) return;
    s.reviewFigures.run({ id: instanceId, ...figuresOfReview(stored, stored.review.decision, stored.review.maskRle) });
  };

  const store: TriageStore = {
    get(instanceId) {
      const row = s.get.get(instanceId) as Row | undefined;
      return row ? toStored(row) : null;
    },

    imagesOfStudy(studyInstanceUid, context) {
      return (s.ofStudy.all(studyInstanceUid) as Row[]).map((row) => imageTriage(instanceOf(row), row.state === null ? null : toStored(row), context));
    },

    listTriaged(opts = {}) {
      const statement = opts.heatmaps ? s.triagedWithHeatmaps : s.triaged;
      return (statement.all(...list(opts.studyInstanceUids)) as Row[]).map(toStored);
    },

    setReview(instanceId, review) {
      const at = Date.parse(review.at);
      if (Number.isNaN(at)) throw new RangeError(`a review's time must be an ISO date; got "${review.at}"`);
      const stored = store.get(instanceId);
      if (!stored || stored.flag === null) return null;
      const figures = figuresOfReview(stored, review.decision, review.maskRle);
      const changed = s.review.run({ id: instanceId, decision: review.decision, reviewer: review.reviewer, at, maskRle: review.maskRle, ...figures }).changes;
      return changed ? store.get(instanceId) : null;
    },

    toImageTriage,

    studySummaries(context) {
      const byStudy = new Map<string, ImageFacts[]>();
      for (const row of s.verdicts.iterate() as Iterable<Row>) {
        let images = byStudy.get(row.studyInstanceUid);
        if (!images) byStudy.set(row.studyInstanceUid, (images = []));
        images.push(factsOf(row, context.intendedUse));
      }
      return new Map([...byStudy].map(([uid, images]) => [uid, summariseStudy(images, context)]));
    },

    targets({ configKey, scope, studyInstanceUids, under, intendedUse }) {
      const range = under === undefined ? [null, null, null] : [under, ...pathRangeUnder(under)];
      const rows = s.targets.all(...list(studyInstanceUids), ...range, { scope, configKey }) as (TriageTarget & TagColumns)[];
      return rows.filter((row) => notAssessedReason(row, intendedUse) === null).map(({ instanceId, studyInstanceUid, path }) => ({ instanceId, studyInstanceUid, path }));
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
          flag: toStoredFlag(verdict.flag),
          score: verdict.score,
          areaPixels: verdict.areaPixels,
          areaMm2: verdict.areaMm2,
          side: verdict.side,
          maxProbability: verdict.maxProbability,
          heldBack: verdict.heldBack === null ? null : JSON.stringify(verdict.heldBack),
          spacingRow: verdict.pixelSpacing?.row ?? null,
          spacingColumn: verdict.pixelSpacing?.column ?? null,
          columnDirection: verdict.columnDirection,
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
        if (s.attachRestored.run(instanceId).changes) measureReview(instanceId);
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
  // Reviews saved before their figures were stored (an index from before migration 4) are measured once.
  for (const id of s.unmeasuredReviews.pluck().all() as number[]) measureReview(id);
  return store;
}

/** The reviewed mask's figures: the model's for a confirmation, else measured on the mask the reviewer saved. */
function figuresOfReview(stored: StoredTriage, decision: ReviewDecision, maskRle: string | null): Figures {
  const mask = decodeRle(maskRle ?? '-1', { rows: stored.maskRows ?? stored.rows, columns: stored.maskColumns ?? stored.columns });
  return reviewFigures(decision, mask, {
    model: modelFigures(stored)!,
    rule: stored.rule!,
    pixelSpacing: stored.pixelSpacing,
    columnDirection: stored.columnDirection,
    probabilities: () => {
      if (stored.heatmap === null) throw new Error(`image ${stored.sopInstanceUid} has no stored heatmap to measure its reviewed mask on; triage it again`);
      return heatmapProbabilities({ rows: stored.heatmapRows!, columns: stored.heatmapColumns!, data: stored.heatmap });
    },
  });
}

function modelFigures(stored: Pick<StoredTriage, 'score' | 'areaPixels' | 'areaMm2' | 'side'>): Figures | null {
  if (stored.score === null || stored.areaPixels === null) return null;
  return { score: stored.score, areaPixels: stored.areaPixels, areaMm2: stored.areaMm2, side: stored.side };
}

function instanceOf(row: Row): TriagedInstance {
  const { sopClassUid, modality, bodyPartExamined, viewPosition, imageType, manufacturer, burnedInAnnotation } = row;
  return {
    instanceId: row.instanceId,
    sopInstanceUid: row.sopInstanceUid,
    seriesInstanceUid: row.seriesInstanceUid,
    studyInstanceUid: row.studyInstanceUid,
    path: row.path,
    rows: row.rows,
    columns: row.columns,
    tags: { sopClassUid, modality, bodyPartExamined, viewPosition, imageType, manufacturer, burnedInAnnotation },
    phantom: isPleuraPhantom(row),
  };
}

/** A review as the decision reads it; its figures are 0 until measured (setReview and the start measure every one). */
function reviewOf(row: Row): ImageFacts['review'] {
  if (row.reviewDecision === null) return null;
  const figures = { score: row.reviewScore ?? 0, areaPixels: row.reviewAreaPixels ?? 0, areaMm2: row.reviewAreaMm2, side: row.reviewSide };
  return { decision: row.reviewDecision, reviewer: row.reviewer ?? '', figures };
}

/** What the decision reads of a row: its verdict (stored flag mapped), its review's figures and its intended use. */
function factsOf(row: Row, intendedUse: IntendedUse): ImageFacts {
  return {
    stored: row.state,
    configKey: row.configKey,
    modelFlag: fromStoredFlag(row.flag),
    model: modelFigures(row),
    maxProbability: row.maxProbability,
    heldBack: row.heldBack === null ? null : (JSON.parse(row.heldBack) as HeldBack),
    review: reviewOf(row),
    notAssessedReason: notAssessedReason(row, intendedUse),
    phantom: isPleuraPhantom(row),
  };
}

/** An image as the API shows it: the decision on its verdict (none: pending, or not assessed) and what made it. */
function imageTriage(image: TriagedInstance, stored: StoredTriage | null, context: TriageContext): ImageTriage {
  const decision = decideImage(
    {
      stored: stored?.state ?? null,
      configKey: stored?.configKey ?? null,
      modelFlag: stored?.flag ?? null,
      model: stored && modelFigures(stored),
      maxProbability: stored?.maxProbability ?? null,
      heldBack: stored?.heldBack ?? null,
      review: stored?.review ? { decision: stored.review.decision, reviewer: stored.review.reviewer, figures: stored.review.figures } : null,
      notAssessedReason: notAssessedReason(image.tags, context.intendedUse),
      phantom: image.phantom,
    },
    context,
  );
  const { figures } = decision;
  return {
    instanceId: image.instanceId,
    sopInstanceUid: image.sopInstanceUid,
    state: decision.state,
    flag: decision.flag,
    flagSource: decision.flagSource,
    words: decision.words,
    score: figures?.score ?? null,
    maxProbability: decision.maxProbability,
    areaPixels: figures?.areaPixels ?? null,
    areaCm2: figures?.areaMm2 == null ? null : figures.areaMm2 / 100,
    side: figures?.side ?? null,
    notAssessedReason: decision.notAssessedReason,
    demonstrationModel: decision.demonstrationModel,
    models: stored?.models ?? [],
    rule: stored?.rule ?? null,
    triagedAt: stored?.triagedAt ?? null,
    error: stored?.error ?? null,
    review: stored?.review ? { decision: stored.review.decision, reviewer: stored.review.reviewer, at: stored.review.at } : null,
  };
}

function toStored(row: Row): StoredTriage {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    ...instanceOf(row),
    state: row.state!,
    configKey: row.configKey!,
    models: JSON.parse(row.models ?? '[]') as string[],
    rule: row.rule === null ? null : (JSON.parse(row.rule) as PostProcessRule),
    flag: fromStoredFlag(row.flag),
    score: row.score,
    areaPixels: row.areaPixels,
    areaMm2: row.areaMm2,
    side: row.side,
    maxProbability: row.maxProbability,
    heldBack: row.heldBack === null ? null : (JSON.parse(row.heldBack) as HeldBack),
    pixelSpacing: row.spacingRow === null || row.spacingColumn === null ? null : { row: row.spacingRow, column: row.spacingColumn },
    columnDirection: row.columnDirection ?? 'unknown',
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
    review: row.reviewDecision === null ? null : { ...reviewOf(row)!, at: iso(row.reviewedAt) ?? '', maskRle: row.reviewMaskRle },
  };
}

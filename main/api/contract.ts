// The one API between the renderer and the services. Both transports (Electron IPC and the loopback
// HTTP/WebSocket server) carry exactly this contract over the same service objects; the renderer imports this
// file for its types only (`import type`), the main side also for the zod schemas that validate every call.
import { z } from 'zod';
import { CalibrationMethodName, type ModelCard } from '../../ml/io/model-card';
import type { ModelSetCard } from '../../ml/io/model-set';
import type { StudyMatch } from '../pacs/peers';
import { PostProcessRule } from '../../ml/post/rules';
import { isPrintableText, PRINTABLE_MESSAGE } from './printable-text';

// ---------------------------------------------------------------------------------------------------------------
// Shared shapes
// ---------------------------------------------------------------------------------------------------------------

export const FileErrorCode = z.enum([
  'not-dicom',
  'truncated',
  'no-pixel-data',
  'missing-pixel-description',
  'absurd-dimensions',
  'unsupported-transfer-syntax',
  'decode-failed',
  'unreadable',
  /** bigger than Pleura reads: a header past its cap, pixel data or an inflated data set past what the header declares */
  'too-large',
  /** the file was indexed, then a scan found it gone: its instance, verdict and review are kept until it is back */
  'missing',
]);
export type FileErrorCode = z.infer<typeof FileErrorCode>;

export const FileError = z.object({
  path: z.string(),
  code: FileErrorCode,
  message: z.string(),
});
export type FileError = z.infer<typeof FileError>;

export const PixelSpacing = z.object({
  row: z.number(),
  column: z.number(),
  source: z.enum(['PixelSpacing', 'ImagerPixelSpacing']),
});
export type PixelSpacing = z.infer<typeof PixelSpacing>;

export const VoiWindow = z.object({ center: z.number(), width: z.number() });
export type VoiWindow = z.infer<typeof VoiWindow>;

/** Identifying and image tags of one DICOM instance, as `pleura info` prints them and the viewer shows them. */
export const InstanceInfo = z.object({
  path: z.string(),
  transferSyntaxUid: z.string(),
  transferSyntaxName: z.string(),
  hasPreamble: z.boolean(),
  hasFileMeta: z.boolean(),
  sopClassUid: z.string().nullable(),
  sopInstanceUid: z.string(),
  studyInstanceUid: z.string(),
  seriesInstanceUid: z.string(),
  patientId: z.string().nullable(),
  patientName: z.string().nullable(),
  patientSex: z.string().nullable(),
  patientBirthDate: z.string().nullable(),
  studyDate: z.string().nullable(),
  studyTime: z.string().nullable(),
  studyDescription: z.string().nullable(),
  accessionNumber: z.string().nullable(),
  seriesNumber: z.number().nullable(),
  seriesDescription: z.string().nullable(),
  instanceNumber: z.number().nullable(),
  modality: z.string().nullable(),
  bodyPartExamined: z.string().nullable(),
  viewPosition: z.string().nullable(),
  /** ImageType (0008,0008) values as written, e.g. "ORIGINAL\\PRIMARY" */
  imageType: z.string().nullable(),
  manufacturer: z.string().nullable(),
  burnedInAnnotation: z.string().nullable(),
  /** DeidentificationMethod (0012,0063): Pleura's phantoms say there that they are synthetic */
  deidentificationMethod: z.string().nullable(),
  rows: z.number().int(),
  columns: z.number().int(),
  numberOfFrames: z.number().int(),
  bitsAllocated: z.number().int(),
  bitsStored: z.number().int(),
  highBit: z.number().int(),
  pixelRepresentation: z.number().int(),
  samplesPerPixel: z.number().int(),
  photometricInterpretation: z.string(),
  rescaleSlope: z.number(),
  rescaleIntercept: z.number(),
  hasModalityLut: z.boolean(),
  window: VoiWindow.nullable(),
  pixelSpacing: PixelSpacing.nullable(),
});
export type InstanceInfo = z.infer<typeof InstanceInfo>;

/**
 * A decoded image: the values after the modality transform (Modality LUT or rescale), before VOI and before
 * MONOCHROME1 inversion. The viewer and the models both start from exactly these pixels.
 */
export type DecodedImage = {
  info: InstanceInfo;
  rows: number;
  columns: number;
  /** row-major, rows * columns values */
  pixels: Float32Array;
  minValue: number;
  maxValue: number;
  /** the file's VOI window, or the full range of the values when the file has none */
  window: VoiWindow;
  windowSource: 'file' | 'full-range';
  invert: boolean;
  decodeMs: number;
};

export const ImageStatus = z.enum(['ok', 'error']);

export const InstanceRow = z.object({
  id: z.number().int(),
  path: z.string(),
  sopInstanceUid: z.string(),
  instanceNumber: z.number().nullable(),
  rows: z.number().int(),
  columns: z.number().int(),
  viewPosition: z.string().nullable(),
  transferSyntaxUid: z.string(),
  status: ImageStatus,
  error: FileError.nullable(),
});
export type InstanceRow = z.infer<typeof InstanceRow>;

export const SeriesRow = z.object({
  seriesInstanceUid: z.string(),
  seriesNumber: z.number().nullable(),
  seriesDescription: z.string().nullable(),
  modality: z.string().nullable(),
  instances: z.array(InstanceRow),
});
export type SeriesRow = z.infer<typeof SeriesRow>;

export const StudyStatus = z.enum(['ok', 'partial', 'error']);

/** One row of the worklist: a study with its patient. */
export const WorklistRow = z.object({
  studyInstanceUid: z.string(),
  patientId: z.string().nullable(),
  patientName: z.string().nullable(),
  studyDate: z.string().nullable(),
  studyDescription: z.string().nullable(),
  accessionNumber: z.string().nullable(),
  modality: z.string().nullable(),
  view: z.string().nullable(),
  imageCount: z.number().int(),
  errorCount: z.number().int(),
  status: StudyStatus,
  firstInstanceId: z.number().int().nullable(),
  /** null until any of its images is queued or triaged */
  triage: z.custom<StudyTriage>().nullable(),
});
export type WorklistRow = z.infer<typeof WorklistRow>;

export const StudyDetail = WorklistRow.extend({ series: z.array(SeriesRow) });
export type StudyDetail = z.infer<typeof StudyDetail>;

export const ScanSummary = z.object({
  scanId: z.string(),
  root: z.string(),
  filesSeen: z.number().int(),
  filesRead: z.number().int(),
  unchanged: z.number().int(),
  added: z.number().int(),
  updated: z.number().int(),
  removed: z.number().int(),
  errors: z.number().int(),
  /** files that are not DICOM and never claimed to be (README, CSV, .DS_Store, AppleDouble companions, DICOMDIR) */
  skipped: z.number().int(),
  studies: z.number().int(),
  durationMs: z.number(),
  cancelled: z.boolean(),
});
export type ScanSummary = z.infer<typeof ScanSummary>;

export const ScanProgress = z.object({
  scanId: z.string(),
  root: z.string(),
  phase: z.enum(['listing', 'reading', 'done']),
  filesSeen: z.number().int(),
  filesDone: z.number().int(),
  errors: z.number().int(),
  currentPath: z.string().nullable(),
});
export type ScanProgress = z.infer<typeof ScanProgress>;

export const AppInfo = z.object({
  name: z.literal('Pleura'),
  version: z.string(),
  shell: z.enum(['electron', 'browser']),
  dataDir: z.string(),
  roots: z.array(z.string()),
  canPickFolder: z.boolean(),
  /** set while the sample studies of the first run are what the worklist shows */
  demo: z.custom<DemoInfo>().nullable(),
  /** set when the study index was found damaged at start, moved aside and rebuilt: what to tell the user */
  indexRecovery: z.object({ at: z.string(), problem: z.string(), movedTo: z.string(), message: z.string() }).nullable(),
});
export type AppInfo = z.infer<typeof AppInfo>;
export type IndexRecovery = NonNullable<AppInfo['indexRecovery']>;

// ---------------------------------------------------------------------------------------------------------------
// Training and the model library (the settings panel)
// ---------------------------------------------------------------------------------------------------------------

/** Checked further (absolute, exists, readable) by the training service, which names the path in its error. */
const LocalPath = z.string().min(1).max(4096);
const RunId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected a training run id');

/** Where the training images come from: the reviewed studies, a DICOM folder with its SIIM mask table, PNG pairs. */
export const TrainingData = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('reviewed') }).strict(),
  z.object({ kind: z.literal('dicom-folder'), folder: LocalPath, labels: LocalPath }).strict(),
  z.object({ kind: z.literal('png-pairs'), folder: LocalPath }).strict(),
]);
export type TrainingData = z.infer<typeof TrainingData>;

/**
 * Unlabelled radiographs a run may learn from besides its labels (science.md, "Semi-supervised"): a folder of DICOM
 * files, or the workstation's own indexed studies that have no reviewed mask (the main side picks them).
 */
export const UnlabelledData = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('dicom-folder'), folder: LocalPath }).strict(),
  z.object({ kind: z.literal('local-studies') }).strict(),
]);
export type UnlabelledData = z.infer<typeof UnlabelledData>;

/** The 3rd place's pseudo-labels or the 5th place's mean teacher. */
export const SemiSupervisedMethod = z.enum(['pseudo-labels', 'mean-teacher']);
export type SemiSupervisedMethod = z.infer<typeof SemiSupervisedMethod>;

export const SemiSupervised = z.object({ method: SemiSupervisedMethod, unlabelled: UnlabelledData }).strict();
export type SemiSupervised = z.infer<typeof SemiSupervised>;

export const TrainingPlanName = z.enum(['quick', 'first-place', 'fourth-place']);
export type TrainingPlanName = z.infer<typeof TrainingPlanName>;

/**
 * What a run starts from: the current model (its weights, architecture and options, input size and thresholds) or
 * random weights — a new model, trained from scratch.
 */
export const TrainingStart = z.enum(['current-model', 'scratch']);
export type TrainingStart = z.infer<typeof TrainingStart>;

export const TrainingRequest = z
  .object({
    data: TrainingData,
    plan: TrainingPlanName,
    start: TrainingStart.default('current-model'),
    /** an architecture name (ml/models), from scratch only; the service's default when absent */
    arch: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'expected an architecture name').optional(),
    /** from scratch only (256 when absent); a run from the current model keeps the model's input size */
    size: z.union([z.literal(256), z.literal(512), z.literal(1024)]).optional(),
    epochs: z.number().int().min(1).max(500),
    /** also learn from unlabelled studies; absent: the labels alone */
    semi: SemiSupervised.optional(),
  })
  .strict();
export type TrainingRequest = z.infer<typeof TrainingRequest>;

export type TrainingProgress = {
  runId: string;
  /** the plan's stage: its name, 0-based index and the plan's stage count */
  stage: string;
  stageIndex: number;
  stages: number;
  /** 1-based epoch within the stage, and the stage's epoch count */
  epoch: number;
  epochs: number;
  step: number;
  stepsInEpoch: number;
  /** the position in epochs over the whole plan, out of `totalEpochs` */
  at: number;
  totalEpochs: number;
  loss: number;
  lr: number;
  valDice: number | null;
  etaSeconds: number;
  imagesPerSecond: number;
  /** the training engine auto chose and its backend, e.g. "onnx cpu" */
  engine: string;
};

/** One point of the live curves; `at` is the position in epochs over the whole plan (2.5 = half-way through the third). */
export type TrainingPoint = { at: number; loss: number; lr: number; valDice: number | null };

/** A 95% confidence interval. */
export type Interval = { low: number; high: number };

/** A share of images (`hits` of `of`) with its 95% Wilson score interval. */
export type Rate = { value: number; hits: number; of: number; interval: Interval };

/** A model's score on the run's held-out split: mean challenge Dice, and the image flag's sensitivity/specificity. */
export type HeldOutScore = {
  meanDice: number;
  /** null when the held-out images hold no pneumothorax (sensitivity) or none without one (specificity) */
  sensitivity: Rate | null;
  specificity: Rate | null;
  images: number;
};

/**
 * What the held-out comparison supports: `better` when the interval of the Dice difference lies above 0, `worse`
 * below 0, `undecided` when it holds 0 (or the images are too few for one), `no-current-model` with nothing to beat.
 */
export type ComparisonVerdict = 'better' | 'worse' | 'undecided' | 'no-current-model';

export type TrainingComparison = {
  /** the sample: the held-out images and the patients they come from */
  images: number;
  patients: number;
  candidate: HeldOutScore;
  /** null when no model was current */
  current: (HeldOutScore & { ref: string }) | null;
  /**
   * New minus current mean Dice over the same images, with the 95% interval of a seeded paired bootstrap over the
   * images (null below two images); null when no model was current.
   */
  diceDifference: { estimate: number; interval: Interval | null; resamples: number } | null;
  verdict: ComparisonVerdict;
};

/** Why a run ended, in words decided once in main. */
export type TrainingEnd = {
  kind: 'completed' | 'early-stopped' | 'cancelled' | 'stopped-by-force' | 'failed';
  text: string;
};

export type TrainingRunState = 'running' | 'cancelling' | 'comparing' | 'finished' | 'cancelled' | 'failed' | 'promoted' | 'discarded';

export type TrainingRun = {
  runId: string;
  request: TrainingRequest;
  state: TrainingRunState;
  startedAt: string;
  progress: TrainingProgress | null;
  history: TrainingPoint[];
  error: string | null;
  /** `<id>@<version>` of the trained model, once it exists */
  candidate: string | null;
  /** `<id>@<version>` of the model whose weights the run started from; null from scratch */
  startedFrom: string | null;
  /** the input size the run trains at */
  size: number;
  comparison: TrainingComparison | null;
  /** null while the run is active */
  end: TrainingEnd | null;
  /** a cancelled or failed run that wrote a checkpoint can go on from it */
  resumable: boolean;
};

/**
 * "Make an INT8 version" of an installed fp32 model (issue 15): calibrated on a folder of local radiographs or the
 * workstation's own studies (the intended-use check applies), by ml/quantize's method (its default when absent).
 */
export const QuantizeRequest = z
  .object({
    ref: z.string().min(3).max(129),
    calibration: UnlabelledData,
    method: CalibrationMethodName.optional(),
  })
  .strict();
export type QuantizeRequest = z.infer<typeof QuantizeRequest>;

/** Reading and decoding the images, calibrating (per image), measuring the agreement (per held-out image), installing. */
export type QuantizePhase = 'reading' | 'calibration' | 'agreement' | 'writing';

export type QuantizeJob = {
  jobId: string;
  request: QuantizeRequest;
  state: 'running' | 'cancelling' | 'finished' | 'cancelled' | 'failed';
  phase: QuantizePhase;
  /** within the phase; total 0 while it is not yet known */
  done: number;
  total: number;
  startedAt: string;
  endedAt: string | null;
  /** `<id>@<version>` of the INT8 version, once installed */
  installed: string | null;
  /** its agreement with the fp32 model, once measured (also on its card) */
  agreement: NonNullable<ModelCard['quantization']>['agreement'] | null;
  /** files of the calibration or held-out images that were not used */
  skipped: number;
  error: string | null;
};

/** One installed model version with its card, or an installed model set with its card and members' cards, or why its card cannot be read. */
export type ModelEntry = { ref: string; current: boolean } & (
  | { card: ModelCard; set?: undefined; error: null }
  | { card: null; set: ModelSetCard; members: (ModelSetCard['members'][number] & { card: ModelCard })[]; error: null }
  | { card: null; set?: undefined; error: string }
);

// ---------------------------------------------------------------------------------------------------------------
// Triage in the workstation: the job queue, results per image, review, exports, settings
// ---------------------------------------------------------------------------------------------------------------

/**
 * Where an image stands: not yet triaged (pending), queued or in the model, triaged by the current model and rule,
 * triaged by another model version or rule (stale: shown, never mixed in silently), reviewed by a person, failed, or
 * outside the intended use (not-assessed: never sent to a model).
 */
export const TriageState = z.enum(['pending', 'queued', 'running', 'triaged', 'stale', 'reviewed', 'error', 'not-assessed']);
export type TriageState = z.infer<typeof TriageState>;

export type ReviewDecision = 'confirmed' | 'rejected' | 'edited';

/**
 * A triage device's passive notification: it flags a suspected pneumothorax and never clears an image. Not flagged
 * means the model's output stayed below the rule; not assessed, that the image is outside the intended use (frontal
 * chest radiographs) and was never sent to a model.
 */
export type TriageFlag = 'positive' | 'not-flagged' | 'not-assessed';

/** Who the flag is from: the model's verdict, or a reviewer's decision on it. */
export type FlagSource = 'model' | 'reviewer';

/**
 * One image's triage, decided in main (main/triage/triage-decision.ts) from its verdict, its review, its staleness
 * and its intended use; the renderer only draws it. Areas at the source size; cm² only where the pixel spacing is
 * known. Score, areas and side describe the finding shown (the reviewed mask after a review) and are null unless
 * the flag is positive.
 */
export type ImageTriage = {
  instanceId: number;
  sopInstanceUid: string;
  state: TriageState;
  /** null while no current verdict stands: pending, queued, running, stale or failed */
  flag: TriageFlag | null;
  flagSource: FlagSource | null;
  /** the flag in words ("Suspected pneumothorax", "Not flagged — peak 0.31 below 0.75", "Reviewed: no pneumothorax — NAME") */
  words: string;
  score: number | null;
  /** the peak of the model's probability map at the source size (after TTA and the ensemble); null until triaged */
  maxProbability: number | null;
  areaPixels: number | null;
  areaCm2: number | null;
  side: 'left' | 'right' | 'bilateral' | null;
  /** why the image is outside the intended use ("body part HIP", "lateral view (LL)", "derived image: DICOM SEG") */
  notAssessedReason: string | null;
  /** the result comes from a demonstration model and the image is no phantom: it must say so wherever it is shown */
  demonstrationModel: boolean;
  /** `<id>@<version>` of every model in the ensemble, and the rule, that made the verdict */
  models: string[];
  rule: PostProcessRule | null;
  triagedAt: string | null;
  error: { code: string; message: string } | null;
  review: { decision: ReviewDecision; reviewer: string; at: string } | null;
};

/**
 * A study's triage summary on the worklist: its most pressing image (ImageTriage's priority: suspected pneumothorax,
 * not yet known, not flagged, not assessed, failed) decides flag, words, score, peak, area and side.
 */
export type StudyTriage = {
  /** the least settled image's */
  state: TriageState;
  flag: TriageFlag | null;
  flagSource: FlagSource | null;
  words: string;
  score: number | null;
  maxProbability: number | null;
  areaCm2: number | null;
  side: 'left' | 'right' | 'bilateral' | null;
  demonstrationModel: boolean;
  /** images in each state */
  counts: Partial<Record<TriageState, number>>;
  reviewed: boolean;
};

/** What the viewer overlays on one image: the model's probabilities and the mask shown (model's or reviewed). */
export type TriageOverlay = {
  instanceId: number;
  /** 0..255 for probability 0..1, at the model's output size (the viewer scales it onto the image) */
  heatmap: { rows: number; columns: number; data: Uint8Array };
  /** 0/1 at the image's rows x columns: the reviewed mask when a person has saved one, else the model's */
  mask: { rows: number; columns: number; data: Uint8Array };
  maskSource: 'model' | 'review';
  triage: ImageTriage;
};

export type TriageJobState = 'running' | 'cancelling' | 'finished' | 'cancelled' | 'failed';

export type TriageJob = {
  jobId: string;
  state: TriageJobState;
  startedAt: string;
  total: number;
  done: number;
  failed: number;
  /** per study: images done out of images queued */
  studies: { studyInstanceUid: string; done: number; total: number }[];
  models: string[];
  engine: string | null;
  error: string | null;
  /** mean milliseconds per image so far */
  msPerImage: number | null;
};

export const EngineChoice = z.enum(['auto', 'onnx', 'tfjs']);
export type EngineChoice = z.infer<typeof EngineChoice>;

export const ThresholdSetting = z.discriminatedUnion('kind', [
  /** the current model card's own rule */
  z.object({ kind: z.literal('card') }).strict(),
  z.object({ kind: z.literal('preset'), name: z.string().min(1).max(64) }).strict(),
  z.object({ kind: z.literal('custom'), rule: PostProcessRule }).strict(),
]);
export type ThresholdSetting = z.infer<typeof ThresholdSetting>;

/** A DICOM code string as BodyPartExamined and ViewPosition hold them: upper case, up to 16 characters. */
const CodeString = z.string().regex(/^[A-Z0-9_ ]{1,16}$/, 'expected a DICOM code string: 1 to 16 upper-case letters, digits, spaces or underscores');

/**
 * Which radiographs are triaged: CR, DX (or DR) images, not derived, whose BodyPartExamined and ViewPosition are
 * among these (compared without regard to case), or absent where allowed. Everything else is not assessed.
 */
export const IntendedUse = z
  .object({
    bodyParts: z.array(CodeString).max(16),
    absentBodyPart: z.boolean(),
    views: z.array(CodeString).max(16),
    absentView: z.boolean(),
  })
  .strict();
export type IntendedUse = z.infer<typeof IntendedUse>;

export const WorkstationSettings = z
  .object({
    autoTriage: z.boolean(),
    thresholds: ThresholdSetting,
    engine: EngineChoice,
    tta: z.enum(['none', 'hflip']),
    /** recorded with every review action, and written into the audit log, its CSV and the DICOM SEG: one printable line */
    reviewer: z.string().trim().min(1).max(64).refine(isPrintableText, PRINTABLE_MESSAGE),
    /**
     * Installed models averaged with the current one (weight 1) into a weighted ensemble, as the top solutions
     * blended theirs; empty: the current model alone.
     */
    ensemble: z
      .array(z.object({ ref: z.string().min(3).max(129), weight: z.number().positive().max(100) }).strict())
      .max(8)
      .refine((members) => new Set(members.map((member) => member.ref)).size === members.length, 'a model is listed twice'),
    /** the images triage assesses; changing it makes the verdicts stale, as a change of model or rule does */
    intendedUse: IntendedUse,
  })
  .strict();
export type WorkstationSettings = z.infer<typeof WorkstationSettings>;

/** What the machine offers, shown beside the engine choice. */
export type SystemInfo = {
  cpu: { model: string; cores: number };
  memoryBytes: number;
  platform: string;
  /** what each engine would run on here, or why it cannot run */
  engines: { name: 'onnx' | 'tfjs'; available: boolean; backend: string | null; detail: string }[];
  /** the rule presets from science.md, by name */
  rulePresets: Record<string, PostProcessRule>;
};

/** Review actions, exports and settings changes; training runs (started, resumed, ended), model promotions, discards and restores, and INT8 versions made. */
export const auditActions = ['confirm', 'reject', 'edit', 'export', 'settings', 'train-start', 'train-resume', 'train-end', 'promote', 'discard', 'restore', 'quantize'] as const;
export type AuditAction = (typeof auditActions)[number];
export type AuditEntry = {
  id: number;
  at: string;
  who: string;
  action: AuditAction;
  /** the image acted on, where there is one */
  sopInstanceUid: string | null;
  studyInstanceUid: string | null;
  models: string[];
  detail: string;
};

export const ExportKind = z.enum(['seg', 'secondary-capture', 'submission-csv', 'report']);
export type ExportKind = z.infer<typeof ExportKind>;

export type ExportResult = {
  folder: string;
  files: { kind: ExportKind; path: string; sopInstanceUid: string | null }[];
  /** images that could not be exported, each with why; the rest were */
  errors: { sopInstanceUid: string | null; message: string }[];
};

/** The bundled sample studies of the first run, and the demonstration model's note. */
export type DemoInfo = {
  sampleFolder: string;
  modelRef: string | null;
  note: string;
  /** the first run is still installing the model, writing and scanning the samples: the worklist is empty for now */
  preparing: boolean;
};

// ---------------------------------------------------------------------------------------------------------------
// PACS: one DICOMweb server and DIMSE peers; retrieved and received images enter the index like a folder's
// ---------------------------------------------------------------------------------------------------------------

/** An AE title: 1 to 16 characters of the default repertoire, no backslash, not all spaces. */
export const AeTitle = z.string().regex(/^(?! *$)[ -[\]-~]{1,16}$/, 'expected an AE title: 1 to 16 printable ASCII characters, no backslash');
const HostName = z.string().min(1).max(253).regex(/^[A-Za-z0-9.:_-]+$/, 'expected a host name or an IP address');
const Port = z.number().int().min(1).max(65535);
/** The PACS's DICOMweb base URL: http(s) only, no credentials in it (they belong in the password field). */
const DicomwebUrl = z
  .string()
  .max(2048)
  .url()
  .refine((url) => /^https?:\/\//i.test(url), 'expected an http:// or https:// URL')
  .refine((url) => !/^https?:\/\/[^/]*@/i.test(url), 'put the user name and password in their fields, not in the URL');

export const DimsePeerSetting = z
  .object({
    /** how the peer is named on the PACS page and in `source` arguments */
    name: z.string().trim().min(1).max(32).refine(isPrintableText, PRINTABLE_MESSAGE),
    aeTitle: AeTitle,
    host: HostName,
    port: Port,
    /** C-GET brings the images back on the same association; C-MOVE asks the peer to send them to our listener */
    retrieve: z.enum(['get', 'move']),
  })
  .strict();
export type DimsePeerSetting = z.infer<typeof DimsePeerSetting>;

export const PacsSettings = z
  .object({
    dicomweb: z
      .object({ url: DicomwebUrl, auth: z.enum(['none', 'basic', 'bearer']), user: z.string().max(128).refine(isPrintableText, PRINTABLE_MESSAGE) })
      .strict()
      .nullable(),
    dimsePeers: z
      .array(DimsePeerSetting)
      .max(16)
      .refine((peers) => new Set(peers.map((peer) => peer.name)).size === peers.length, 'two peers have the same name'),
    /** Pleura's own AE title: calling AE for C-ECHO/C-FIND/C-GET/C-MOVE/C-STORE, called AE of the listener */
    aeTitle: AeTitle,
    /** the C-STORE SCP: images sent to it are stored in the cache and triaged on arrival */
    listener: z
      .object({
        enabled: z.boolean(),
        port: Port,
        /** associations at once; more are refused (transient) */
        maxAssociations: z.number().int().min(1).max(64),
        /** when not empty, only these calling AE titles may send */
        allowedCallers: z.array(AeTitle).max(64),
        /** listen on every interface instead of loopback only */
        allInterfaces: z.boolean(),
      })
      .strict(),
    /** retrieve and triage new studies from the DICOMweb server by themselves */
    polling: z.object({ enabled: z.boolean(), intervalMinutes: z.number().int().min(1).max(1440) }).strict(),
    /** send the results (SEG, Secondary Capture, SR) back to the DICOMweb server after triage and after each review */
    pushResults: z.boolean(),
  })
  .strict();
export type PacsSettings = z.infer<typeof PacsSettings>;

/** Where a PACS secret lives: never in a settings file in plain text. */
export type PacsSecretInfo = {
  present: boolean;
  /** 'safe-storage': encrypted by the operating system (Electron); 'environment': PLEURA_PACS_PASSWORD */
  source: 'safe-storage' | 'environment' | null;
  /** this shell can store one (Electron's safeStorage is available) */
  canStore: boolean;
};

export type PacsInfo = { settings: PacsSettings; secret: PacsSecretInfo };

/** `dicomweb`, or a DIMSE peer's name */
const PacsSource = z.string().min(1).max(32).refine(isPrintableText, PRINTABLE_MESSAGE);
/** YYYYMMDD */
const DicomDate = z.string().regex(/^\d{8}$/, 'expected a date as YYYYMMDD');

export type PacsStudy = StudyMatch & {
  /** instances of this study Pleura has: images in the index (retrieved, received or scanned) and the results it sent there */
  localInstances: number;
};

export type PacsJob = {
  id: string;
  kind: 'retrieve' | 'poll' | 'push';
  /** `dicomweb` or a DIMSE peer's name */
  source: string;
  state: 'running' | 'done' | 'cancelled' | 'failed';
  studies: number;
  instances: { done: number; total: number };
  retrieved: number;
  triaged: number;
  pushed: number;
  /** already local, already triaged elsewhere (claimed or with a Pleura result), or already pushed */
  skipped: number;
  /** at most the first 100 */
  errors: { sopInstanceUid: string | null; message: string }[];
  startedAt: string;
  endedAt: string | null;
  /** why it failed, when it did */
  message: string | null;
};

export type PacsStatus = {
  job: PacsJob | null;
  polling: { enabled: boolean; lastPollAt: string | null; nextPollAt: string | null; lastError: string | null };
  listener: { running: boolean; port: number | null; aeTitle: string; associations: number; received: number; error: string | null };
};

// ---------------------------------------------------------------------------------------------------------------
// The contract: every method's argument schema, and the events pushed to the renderer
// ---------------------------------------------------------------------------------------------------------------

const Empty = z.object({}).strict();
/**
 * A UID named in an argument. The files decide which UIDs the worklist shows, and some are not well formed (longer
 * than the standard's 64 characters, letters, spaces): any printable value is accepted, up to 16 times that length.
 */
export const MAX_UID_LENGTH = 1024;
const Uid = z.string().min(1).max(MAX_UID_LENGTH).refine(isPrintableText, PRINTABLE_MESSAGE);
/**
 * review.save's longest mask: SIIM run-length text, digits and spaces (ASCII, so as many bytes in a JSON body). A
 * 2048 x 2048 mask of alternating pixels needs about 8 million; a reviewer's brush strokes need a few thousand.
 */
export const MAX_ENCODED_PIXELS = 16_000_000;

/** Argument schemas, by "service.method". Results are produced by trusted code and described by `ApiResults`. */
export const apiArgs = {
  'app.info': Empty,
  /** The native folder dialog (Electron only); `{ path: null }` when cancelled or unavailable. */
  'app.pickFolder': Empty,
  /** Scans a folder recursively into the index; progress arrives as `scan.progress` events. */
  'studies.scan': z.object({ path: z.string().min(1).max(4096) }).strict(),
  'studies.cancelScan': z.object({ scanId: z.string().min(1).max(64) }).strict(),
  'studies.worklist': Empty,
  'studies.detail': z.object({ studyInstanceUid: Uid }).strict(),
  /** Files that could not be indexed (not DICOM, truncated, …), most recent scan first. */
  'studies.fileErrors': z.object({ root: z.string().max(4096).optional() }).strict(),
  /** Decodes one indexed instance through the one decode path. */
  'images.load': z.object({ instanceId: z.number().int().nonnegative() }).strict(),
  /** Starts the one training run; its model goes to <dataDir>/training/<runId>/, never over the current model. */
  'training.start': TrainingRequest,
  'training.cancel': Empty,
  /** Goes on with a cancelled or failed run from its last checkpoint (the latest such run when no id is given). */
  'training.resume': z.object({ runId: RunId.optional() }).strict(),
  /** The latest run with its curve history, so a reloaded page redraws it; null before any run. */
  'training.status': Empty,
  'models.list': Empty,
  /** Installs a finished run's model and makes it current. */
  'models.promote': z.object({ runId: RunId }).strict(),
  /** Deletes a finished run's model. */
  'models.discard': z.object({ runId: RunId }).strict(),
  /** Makes an installed version current again. */
  'models.restore': z.object({ ref: z.string().min(3).max(129) }).strict(),
  /** Starts making an INT8 version of an installed fp32 model (one at a time); it is installed when done. */
  'quantize.start': QuantizeRequest,
  'quantize.cancel': Empty,
  /** The running or latest job; null before any. */
  'quantize.status': Empty,
  /** Queues every image of the given studies (all indexed studies when absent) not triaged by the current model and rule. */
  'triage.start': z.object({ studyInstanceUids: z.array(Uid).max(100_000).optional(), force: z.boolean().optional() }).strict(),
  'triage.cancel': Empty,
  /** The running or latest job; null before any. */
  'triage.status': Empty,
  /** Every image of a study with its verdict, in the study's order. */
  'triage.images': z.object({ studyInstanceUid: Uid }).strict(),
  'triage.overlay': z.object({ instanceId: z.number().int().nonnegative() }).strict(),
  /** Confirm or reject the finding, or save an edited mask (SIIM RLE at the image's size, '-1' when empty). */
  'review.save': z
    .object({
      instanceId: z.number().int().nonnegative(),
      decision: z.enum(['confirmed', 'rejected', 'edited']),
      encodedPixels: z
        .string()
        .min(1)
        .max(MAX_ENCODED_PIXELS)
        .regex(/^[0-9 -]+$/, 'expected SIIM run-length text: digits and spaces, or -1')
        .optional(),
    })
    .strict(),
  'audit.list': z.object({ sopInstanceUid: Uid.optional(), limit: z.number().int().min(1).max(100_000).optional() }).strict(),
  /** Writes the audit log as CSV into the folder. */
  'audit.export': z.object({ folder: z.string().min(1).max(4096) }).strict(),
  /** Writes the chosen exports of the studies (all triaged ones when absent) into a folder that is not a scanned one. */
  'exports.run': z
    .object({ folder: z.string().min(1).max(4096), kinds: z.array(ExportKind).min(1), studyInstanceUids: z.array(Uid).max(100_000).optional() })
    .strict(),
  'settings.get': Empty,
  'settings.update': WorkstationSettings.partial().strict(),
  'system.info': Empty,
  /** The PACS connections (no secret in them) and where the secret is kept. */
  'pacs.settings': Empty,
  'pacs.updateSettings': PacsSettings.partial().strict(),
  /** Stores the DICOMweb password or token with the operating system's encryption (Electron); null forgets it. */
  'pacs.setSecret': z.object({ secret: z.string().min(1).max(4096).nullable() }).strict(),
  /** QIDO-RS on the DICOMweb server, or C-ECHO on a DIMSE peer. */
  'pacs.test': z.object({ source: PacsSource }).strict(),
  'pacs.search': z
    .object({
      source: PacsSource,
      patient: z.string().max(64).refine(isPrintableText, PRINTABLE_MESSAGE).optional(),
      from: DicomDate.optional(),
      to: DicomDate.optional(),
      modalities: z.array(z.enum(['CR', 'DX'])).max(2).optional(),
    })
    .strict(),
  /** Retrieves the studies into the cache in the data directory; they are indexed and triaged as they arrive. */
  'pacs.retrieve': z.object({ source: PacsSource, studyInstanceUids: z.array(Uid).min(1).max(500) }).strict(),
  /** Sends the results of the studies (all triaged ones from the PACS when absent) that the PACS does not have yet. */
  'pacs.push': z.object({ studyInstanceUids: z.array(Uid).max(100_000).optional() }).strict(),
  'pacs.cancel': Empty,
  'pacs.status': Empty,
} as const;

export type ApiMethod = keyof typeof apiArgs;
export type ApiArgs<M extends ApiMethod> = z.input<(typeof apiArgs)[M]>;

export interface ApiResults {
  'app.info': AppInfo;
  'app.pickFolder': { path: string | null };
  'studies.scan': ScanSummary;
  'studies.cancelScan': { cancelled: boolean };
  'studies.worklist': WorklistRow[];
  'studies.detail': StudyDetail;
  'studies.fileErrors': FileError[];
  'images.load': DecodedImage;
  'training.start': TrainingRun;
  'training.cancel': { cancelled: boolean };
  'training.resume': TrainingRun;
  'training.status': { run: TrainingRun | null };
  'models.list': ModelEntry[];
  'models.promote': ModelEntry;
  'models.discard': { discarded: boolean };
  'models.restore': ModelEntry;
  'quantize.start': QuantizeJob;
  'quantize.cancel': { cancelled: boolean };
  'quantize.status': { job: QuantizeJob | null };
  'triage.start': TriageJob;
  'triage.cancel': { cancelled: boolean };
  'triage.status': { job: TriageJob | null };
  'triage.images': ImageTriage[];
  'triage.overlay': TriageOverlay;
  'review.save': ImageTriage;
  'audit.list': AuditEntry[];
  'audit.export': { path: string; entries: number };
  'exports.run': ExportResult;
  'settings.get': WorkstationSettings;
  'settings.update': WorkstationSettings;
  'system.info': SystemInfo;
  'pacs.settings': PacsInfo;
  'pacs.updateSettings': PacsInfo;
  'pacs.setSecret': PacsInfo;
  'pacs.test': { ok: boolean; ms: number | null; message: string };
  'pacs.search': PacsStudy[];
  'pacs.retrieve': PacsJob;
  'pacs.push': PacsJob;
  'pacs.cancel': { cancelled: boolean };
  'pacs.status': PacsStatus;
}

export interface ApiEvents {
  'scan.progress': ScanProgress;
  'scan.done': ScanSummary;
  /** At most about twice a second; `points` are the curve points added since the previous event. */
  'training.progress': { progress: TrainingProgress; points: TrainingPoint[] };
  /** The run ended (finished and compared, cancelled or failed). */
  'training.done': TrainingRun;
  /** At most about twice a second while an INT8 version is being made. */
  'quantize.progress': QuantizeJob;
  /** It was installed, cancelled or failed. */
  'quantize.done': QuantizeJob;
  /** At most about twice a second while a triage job runs. */
  'triage.progress': TriageJob;
  'triage.done': TriageJob;
  /** Verdicts or reviews changed: the worklist should be fetched again. */
  'worklist.changed': { studyInstanceUids: string[] };
  /** At most about twice a second while a PACS job runs, and when it ends. */
  'pacs.progress': PacsJob;
}
export type ApiEvent = keyof ApiEvents;
export const apiEvents: readonly ApiEvent[] = ['scan.progress', 'scan.done', 'training.progress', 'training.done', 'quantize.progress', 'quantize.done', 'triage.progress', 'triage.done', 'worklist.changed', 'pacs.progress'];

/** What a service implementation provides: one async function per method. */
export type ApiHandlers = { [M in ApiMethod]: (args: z.output<(typeof apiArgs)[M]>) => Promise<ApiResults[M]> };

/** What a client sees: the same methods, plus events. Identical in Electron and in a browser. */
export interface ApiClient {
  invoke<M extends ApiMethod>(method: M, args: ApiArgs<M>): Promise<ApiResults[M]>;
  on<E extends ApiEvent>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
}

/** Errors cross both transports in this shape. */
export const ApiErrorCode = z.enum(['invalid-argument', 'unknown-method', 'not-found', 'unavailable', 'failed', 'unauthorized']);
export type ApiErrorCode = z.infer<typeof ApiErrorCode>;
export type SerializedApiError = { code: ApiErrorCode; message: string; details?: unknown };

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  toJSON(): SerializedApiError {
    return { code: this.code, message: this.message, details: this.details };
  }
}

// An INT8 version of an fp32 model folder (issue 15), the one orchestration behind `pleura models quantize` and the
// workstation's "Make an INT8 version": the calibration images are taken as semi-supervised training takes its
// unlabelled ones (the intended-use check, each instance once) and fed exactly as inference feeds the engine; images
// are held out for the agreement figures (a folder of their own, else a deterministic 1 in 5 of the calibration
// images, never calibrated on); ml/quantize writes the QDQ graph; both models then run through the product's
// inference on the held-out images; and the INT8 folder (the quantized model.onnx beside the fp32 weights, which
// TF.js and fine-tuning use) is published all at once, with the figures on its card. A cancel leaves nothing behind.
import path from 'node:path';
import { modelBatch, ttaViews, type InferenceModel } from '../../ml/infer';
import { checkReplaceable } from '../../ml/io/atomic-folder';
import { cardPrecision, cardRule, modelRef, parseModelRef, type ModelCard, type ModelCardBody, type Quantization } from '../../ml/io/model-card';
import { ModelFolderError } from '../../ml/io/model-folder-error';
import { loadModel, writeModel, type LoadedModel } from '../../ml/io/model-store';
import { resizeBilinear, type Plane } from '../../ml/preprocess';
import { DEFAULT_CALIBRATION_METHOD, quantizeModel, type CalibrationImage, type CalibrationMethod, type QuantizationReport } from '../../ml/quantize';
import type { UnlabelledData } from '../api/contract';
import { spawnEngine, type EngineClient } from '../inference/engine-client';
import { decodeIntendedUse, unlabelledFiles, type Skipped } from '../training/data/unlabelled';
import { checkImageFolder, QuantizeInputError } from './quantize-input';
import { measureAgreement } from './quantize-agreement';

/**
 * The most files read for calibration, spread evenly over the source's sorted files: every calibration image is held
 * in memory at the model's input size (12 MB each for AlbuNet at 1024), and a hundred or so calibrate as well as more.
 */
export const MAX_CALIBRATION_FILES = 125;
/** Without a held-out folder, every HOLDOUT_EVERY-th calibration image (by instance UID) is held out instead. */
export const HOLDOUT_EVERY = 5;

export type QuantizePhase = 'reading' | 'calibration' | 'agreement' | 'writing';
export type QuantizeProgress = { phase: QuantizePhase; done: number; total: number };

export interface QuantizeRequest {
  /** the fp32 model folder */
  modelDir: string;
  calibration: UnlabelledData;
  /** a folder of images for the agreement figures; default: 1 in 5 of the calibration images */
  holdout?: string | null;
  /** where the INT8 folder is published */
  out: string;
  method?: CalibrationMethod;
  /** default `<source id>-int8` */
  id?: string;
  /** default the source's version */
  version?: string;
  /** replace an `out` that holds files */
  overwrite?: boolean;
  /** the data directory whose studies `calibration: local-studies` names */
  dataDir: string;
  /** onnxruntime's intra-op threads (quantizer and engines); default every core */
  threads?: number;
  onProgress?: (progress: QuantizeProgress) => void;
  signal?: AbortSignal;
}

export type QuantizeOutcome = {
  card: ModelCard & { quantization: Quantization };
  /** calibration and held-out files not used, with why */
  skipped: Skipped[];
};

export async function quantizeModelFolder(request: QuantizeRequest): Promise<QuantizeOutcome> {
  const { signal } = request;
  const progress = (phase: QuantizePhase, done: number, total: number) => request.onProgress?.({ phase, done, total });
  const source = await loadFp32Model(request.modelDir);
  const ref = { ...int8Ref(source.card), ...(request.id && { id: request.id }), ...(request.version && { version: request.version }) };
  parseModelRef(`${ref.id}@${ref.version}`);
  // Refused before the hours of work, as publishing would refuse it after them.
  await checkReplaceable(request.out, request.overwrite);
  if (request.holdout) await checkImageFolder(request.holdout, 'held-out folder');
  if (request.calibration.kind === 'dicom-folder') await checkImageFolder(request.calibration.folder, 'calibration folder');

  progress('reading', 0, 0);
  const images = await readImages(request, source.card.input);
  signal?.throwIfAborted();

  const { calibration } = images;
  progress('calibration', 0, calibration.length);
  const { onnx, report } = await quantizeModel(source.definition, source.weights, calibration, {
    method: request.method ?? DEFAULT_CALIBRATION_METHOD,
    threads: request.threads,
    signal,
    onProgress: (done, total) => progress('calibration', done, total),
  });
  // The inputs (12 MB each for AlbuNet at 1024) are done with before two engines load.
  calibration.length = 0;
  signal?.throwIfAborted();

  progress('agreement', 0, images.heldOut.length);
  const agreement = await withEngines(source, onnx, request.threads, (fp32, int8) =>
    measureAgreement({ paths: images.heldOut, fp32, int8, rule: cardRule(source.card), signal, onImage: (done, total) => progress('agreement', done, total) }),
  );
  signal?.throwIfAborted();

  progress('writing', 0, 1);
  const quantization = quantizationRecord(source.card, report, { count: report.calibrationImages, source: images.calibrationSource }, { ...agreement, source: images.agreementSource });
  const card = await writeModel(
    request.out,
    { definition: source.definition, weights: source.weights, card: int8Card(source.card, ref, quantization), onnx },
    { overwrite: request.overwrite },
  );
  progress('writing', 1, 1);
  return { card: { ...card, quantization }, skipped: images.skipped };
}

/** The INT8 version's id and version unless others are given: `<id>-int8`, the source's version. */
export function int8Ref(card: Pick<ModelCard, 'id' | 'version'>): { id: string; version: string } {
  return { id: `${card.id}-int8`, version: card.version };
}

async function loadFp32Model(dir: string): Promise<LoadedModel> {
  const model = await loadModel(dir);
  if (cardPrecision(model.card) === 'int8') {
    throw new ModelFolderError(`${dir}: ${modelRef(model.card)} is already an INT8 model (made from ${model.card.quantization?.source}); quantize its fp32 source instead`);
  }
  return model;
}

/**
 * What the engine is fed for an 8-bit plane (decodeEach's), composed of the pipeline's own steps as inferRadiograph
 * composes them: resized to the model's input size, the plain view (no flip), the card's normalisation; [1, 3, H, W].
 */
export function engineInput(eightBit: Plane, { size, normalisation }: Pick<ModelCard['input'], 'size' | 'normalisation'>): CalibrationImage {
  return { data: modelBatch(ttaViews(resizeBilinear(eightBit, size, size), 'none'), normalisation), height: size, width: size };
}

type ReadImages = {
  calibration: CalibrationImage[];
  /** files the agreement is measured on */
  heldOut: string[];
  skipped: Skipped[];
  calibrationSource: string;
  agreementSource: string;
};

async function readImages(request: QuantizeRequest, input: ModelCard['input']): Promise<ReadImages> {
  const files = await unlabelledFiles(request.calibration, request.dataDir);
  const paths = evenlySpread(files.paths, MAX_CALIBRATION_FILES);
  const read: { id: string; path: string; input: CalibrationImage }[] = [];
  const skipped = [...files.skipped];
  skipped.push(...(await decodeIntendedUse(paths, ({ id, path, plane }) => read.push({ id, path, input: engineInput(plane, input) }))));
  read.sort(byId);
  const calibrationSource = request.calibration.kind === 'dicom-folder' ? path.basename(request.calibration.folder) : "the workstation's studies";
  const described = request.calibration.kind === 'dicom-folder' ? request.calibration.folder : calibrationSource;
  if (read.length === 0) throw new QuantizeInputError(noImages(described, paths.length, skipped));

  if (request.holdout) {
    const holdout = await heldOutFolder(request.holdout, new Set(read.map((image) => image.id)));
    return {
      calibration: read.map((image) => image.input),
      heldOut: holdout.paths,
      skipped: [...skipped, ...holdout.skipped],
      calibrationSource,
      agreementSource: `held-out folder ${path.basename(request.holdout)}`,
    };
  }
  const isHeldOut = (k: number) => k % HOLDOUT_EVERY === HOLDOUT_EVERY - 1;
  const heldOut = read.filter((_, k) => isHeldOut(k)).map((image) => image.path);
  if (heldOut.length === 0) {
    throw new QuantizeInputError(
      `${described} has ${read.length} usable image${read.length === 1 ? '' : 's'}: too few to hold 1 in ${HOLDOUT_EVERY} out for the agreement figures; give at least ${HOLDOUT_EVERY}, or a held-out folder`,
    );
  }
  return {
    calibration: read.filter((_, k) => !isHeldOut(k)).map((image) => image.input),
    heldOut,
    skipped,
    calibrationSource,
    agreementSource: `1 in ${HOLDOUT_EVERY} of the calibration images (${heldOut.length}, never calibrated on)`,
  };
}

/** The held-out folder's usable files; an image that is also a calibration image is left out (it was calibrated on). */
async function heldOutFolder(folder: string, calibrationIds: ReadonlySet<string>): Promise<{ paths: string[]; skipped: Skipped[] }> {
  // A folder's files need no data directory (only the workstation's studies do).
  const files = await unlabelledFiles({ kind: 'dicom-folder', folder }, '');
  const usable: { id: string; path: string }[] = [];
  const skipped = [...files.skipped, ...(await decodeIntendedUse(files.paths, ({ id, path }) => usable.push({ id, path })))];
  const fresh = usable.filter((image) => !calibrationIds.has(image.id));
  for (const { id, path } of usable) if (calibrationIds.has(id)) skipped.push({ path, reason: `${id} is also a calibration image` });
  if (fresh.length === 0) throw new QuantizeInputError(noImages(folder, files.paths.length, skipped, ' that was not also calibrated on'));
  return { paths: fresh.sort(byId).map((image) => image.path), skipped };
}

/** By SOP Instance UID: the order that decides which images are held out, whatever order they decoded in. */
function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function noImages(folder: string, files: number, skipped: readonly Skipped[], qualifier = ''): string {
  const reasons = [...new Set(skipped.map((s) => s.reason))].slice(0, 3);
  return `${folder} holds no usable image${qualifier} (${files} file${files === 1 ? '' : 's'} read${reasons.length ? `; ${reasons.join('; ')}` : ''}): it takes frontal chest radiographs (CR or DX) as DICOM files`;
}

/** At most `limit` of the items, evenly spread and in order (all of them when there are no more). */
export function evenlySpread<T>(items: readonly T[], limit: number): T[] {
  if (items.length <= limit) return [...items];
  return Array.from({ length: limit }, (_, k) => items[Math.floor((k * items.length) / limit)]);
}

/** The fp32 model from its folder and the INT8 graph from memory, each in its own onnx inference worker. */
async function withEngines<T>(
  source: LoadedModel,
  onnx: Uint8Array,
  threads: number | undefined,
  use: (fp32: InferenceModel, int8: InferenceModel) => Promise<T>,
): Promise<T> {
  const input = { size: source.card.input.size, normalisation: source.card.input.normalisation };
  const engines: EngineClient[] = [];
  try {
    engines.push(await spawnEngine({ engine: 'onnx', source: { dir: source.dir }, threads }));
    engines.push(await spawnEngine({ engine: 'onnx', source: { model: { definition: source.definition, onnx }, input }, threads }));
    return await use(asModel(engines[0]), asModel(engines[1]));
  } finally {
    await Promise.all(engines.map((engine) => engine.dispose()));
  }
}

function asModel(engine: EngineClient): InferenceModel {
  const { size, normalisation } = engine.loaded.input;
  return { engine, inputSize: { rows: size, columns: size }, normalisation };
}

function quantizationRecord(
  source: ModelCard,
  report: QuantizationReport,
  calibration: Quantization['calibration'],
  agreement: Quantization['agreement'],
): Quantization {
  const { method, percentile, quantizedConvs, fp32Layers, activations, weights } = report;
  return { source: modelRef(source), method, percentile, quantizedConvs, fp32Layers, activations, weights, calibration, agreement };
}

/**
 * The source's card as the INT8 version's: the same architecture, input, rule, provenance and metrics (the fp32
 * model's, said so in the notes), which keep its notes first so a demonstration model stays one.
 */
function int8Card(source: ModelCard, ref: { id: string; version: string }, quantization: Quantization): ModelCardBody {
  const { files: _files, precision: _precision, quantization: _none, ...body } = source;
  const { agreement, calibration } = quantization;
  const note =
    `INT8 version of ${modelRef(source)} (static quantization, ${quantization.method} calibration on ${calibration.count} images from ${calibration.source}; ` +
    `flags agree on ${agreement.flagsAgree} of ${agreement.flagsTotal} held-out images, mean mask Dice ${agreement.meanDice.toFixed(3)}); its metrics are the fp32 model's.`;
  return { ...body, ...ref, createdAt: new Date().toISOString(), precision: 'int8', quantization, notes: [body.notes.trim(), note].filter(Boolean).join(' ') };
}

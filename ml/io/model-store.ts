// The model store: a model is a folder — card.json, the TF.js weights (weights.json + weights.bin) and model.onnx
// (exported from the weights, or an INT8 version's quantized graph) — written all at once and verified file by file
// (sha256 from the card) when loaded.
import { readFile, writeFile as fsWriteFile } from 'node:fs/promises';
import path from 'node:path';
import { createModel, resolveWeights, type ModelDefinition, type WeightMap } from '../models';
import { checkReplaceable, publishFolder, type PublishOptions } from './atomic-folder';
import { cardWithoutLocalPaths } from './local-paths';
import { CARD_FILE, cardPrecision, checkCardMatches, modelRef, parseModelCard, type ModelCard, type ModelCardBody } from './model-card';
import { ModelFolderError } from './model-folder-error';
import { exportOnnx } from './onnx-export';
import { sha256, sha256File } from './sha256';
import { decodeWeights, encodeWeights, MANIFEST_FILE, WEIGHTS_FILE } from './weights-manifest';

export const ONNX_FILE = 'model.onnx';

export interface ModelToWrite {
  definition: ModelDefinition;
  /** state_dict names; aliases (AlbuNet's `conv2.*`) are resolved to the graph's own names */
  weights: WeightMap;
  card: ModelCardBody;
  /**
   * The graph to write as model.onnx instead of exporting one from the weights: an INT8 card's quantized graph
   * (ml/quantize), given exactly when the card's precision is int8. The weights are written as they are either way.
   */
  onnx?: Uint8Array;
}

export interface WriteModelOptions extends PublishOptions {
  /** how each file reaches the disk (node's writeFile); tests inject a failing one */
  writeFile?: (file: string, data: Uint8Array) => Promise<void>;
}

/**
 * Writes the model folder `dir` atomically and returns the card as written (with its files' hashes). Everything
 * is checked and encoded before the first byte is written: the card against the definition, the weights against
 * the graph. The card names no absolute path: it travels to other machines.
 */
export async function writeModel(dir: string, model: ModelToWrite, options: WriteModelOptions = {}): Promise<ModelCard> {
  const { definition } = model;
  const body = cardWithoutLocalPaths(model.card);
  const { writeFile = fsWriteFile, ...publish } = options;
  await checkReplaceable(dir, publish.overwrite);
  checkCardMatches(body, definition);
  checkRebuilds(body, definition);
  checkGraphMatchesPrecision(body, model.onnx);
  const weights = resolveWeights(definition.graph, model.weights);
  const { manifest, bin } = encodeWeights(definition.graph, weights);
  const manifestBytes = textBytes(manifest);
  const onnx = model.onnx ?? exportOnnx(definition, weights, { producerVersion: body.provenance.tool.replace(/^pleura /, '') });
  const card = parseModelCard({
    ...body,
    files: {
      weights: { path: WEIGHTS_FILE, sha256: sha256(bin) },
      manifest: { path: MANIFEST_FILE, sha256: sha256(manifestBytes) },
      onnx: { path: ONNX_FILE, sha256: sha256(onnx) },
    },
  });
  const files: [string, Uint8Array][] = [
    [WEIGHTS_FILE, bin],
    [MANIFEST_FILE, manifestBytes],
    [ONNX_FILE, onnx],
    [CARD_FILE, textBytes(card)],
  ];
  await publishFolder(dir, async (temp) => {
    for (const [name, data] of files) await writeFile(path.join(temp, name), data);
  }, publish);
  return card;
}

/** An fp32 card's graph is exported from its weights, so the two cannot disagree; an INT8 card's is the quantized one. */
function checkGraphMatchesPrecision(card: ModelCardBody, onnx: Uint8Array | undefined): void {
  const int8 = cardPrecision(card) === 'int8';
  if (int8 && !onnx) throw new ModelFolderError(`${modelRef(card)} is an INT8 card: write it with its quantized ONNX graph, not one exported from the fp32 weights`);
  if (!int8 && onnx) throw new ModelFolderError(`${modelRef(card)} is an fp32 card: its ONNX graph is exported from its weights, never given`);
}

/** loadModel rebuilds the graph from the card alone, so the card's options must give back the same tensors. */
function checkRebuilds(card: ModelCardBody, definition: ModelDefinition): void {
  const signature = (d: ModelDefinition) => d.graph.params.map((p) => `${p.name}[${p.shape}]`).join(' ');
  const { name, options } = card.architecture;
  if (signature(createModel(name, options)) !== signature(definition)) {
    throw new ModelFolderError(`card.json: ${name} built with ${JSON.stringify(options)} has other tensors than the model being written`);
  }
}

export interface LoadedModel {
  dir: string;
  card: ModelCard;
  /** rebuilt by createModel from the card's architecture */
  definition: ModelDefinition;
  /** every tensor of the graph, by its state_dict name */
  weights: Map<string, Float32Array>;
  onnxPath: string;
}

/** The folder's card, validated but with no file checked against it (cheap: for listings). */
export async function readModelCard(dir: string): Promise<ModelCard> {
  const file = path.join(dir, CARD_FILE);
  return parseModelCard(parseJson(await readModelFile(file, 'every Pleura model folder has one'), file), file);
}

/** Reads and verifies a model folder: every file's sha256 against the card, every tensor against the graph. */
export async function loadModel(dir: string): Promise<LoadedModel> {
  const { card, definition, onnxPath } = await loadModelForOnnx(dir);
  const [manifestPath, weightsPath] = [card.files.manifest, card.files.weights].map((f) => path.join(dir, f.path));
  const manifestBytes = await readModelFile(manifestPath, `${CARD_FILE} lists it`);
  const bin = await readModelFile(weightsPath, `${CARD_FILE} lists it`);
  checkHash(manifestPath, sha256(manifestBytes), card.files.manifest.sha256);
  checkHash(weightsPath, sha256(bin), card.files.weights.sha256);
  const weights = decodeWeights(definition.graph, parseJson(manifestBytes, manifestPath), bin, { binName: card.files.weights.path, source: manifestPath });
  return { dir, card, definition, weights, onnxPath };
}

/**
 * What onnxruntime needs of a model folder: the card (checked against the architecture it names) and model.onnx
 * (its sha256 checked, streamed). The TF.js weights are neither read nor checked: decoded, they would hold hundreds
 * of MB that an onnx session never uses.
 */
export async function loadModelForOnnx(dir: string): Promise<Omit<LoadedModel, 'weights'>> {
  const card = await readModelCard(dir);
  const definition = createModel(card.architecture.name, card.architecture.options);
  checkCardMatches(card, definition, path.join(dir, CARD_FILE));
  const onnxPath = path.join(dir, card.files.onnx.path);
  checkHash(onnxPath, await missingAsError(onnxPath, `${CARD_FILE} lists it`, () => sha256File(onnxPath)), card.files.onnx.sha256);
  return { dir, card, definition, onnxPath };
}

function checkHash(file: string, actual: string, expected: string): void {
  if (actual !== expected) {
    throw new ModelFolderError(`${file}: sha256 ${actual} differs from ${expected} in the card: the file was changed or damaged`);
  }
}

function textBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
}

function parseJson(bytes: Uint8Array, file: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new ModelFolderError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

function readModelFile(file: string, role: string): Promise<Uint8Array> {
  return missingAsError(file, role, () => readFile(file));
}

async function missingAsError<T>(file: string, role: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ModelFolderError(`${file} is missing (${role})`);
    throw new ModelFolderError(`${file}: cannot read: ${(error as Error).message}`);
  }
}

// The one shape every model runtime has (tfjs-models style): `load` does the I/O and returns an Engine, `predict`
// takes a plain NCHW batch and returns plain logits, `dispose` frees what load took. Tensors never leave an engine.
import type { ModelDefinition, WeightMap } from '../models';
import { checkInputSize } from '../models';

export type EngineName = 'onnx' | 'tfjs';
export const engineNames: readonly EngineName[] = ['onnx', 'tfjs'];

/** What an engine is loaded from: a model folder's contents, in memory. */
export type EngineModel = {
  definition: ModelDefinition;
  /** PyTorch-layout weights by state_dict name: what the tfjs engine builds its variables from */
  weights?: WeightMap;
  /** the ONNX graph (a file path or its bytes); the onnx engine exports one from the weights when absent */
  onnx?: string | Uint8Array;
};

export type EngineOutput = {
  /** one logit per pixel, [n, h, w] row-major */
  logits: Float32Array;
  /** one logit per image, [n], for models with a classification head */
  clsLogits?: Float32Array;
};

/** A runtime option tried and passed over, with why (shown to the user and in logs). */
export type SkippedOption = { name: string; reason: string };

export type EngineDescription = {
  engine: EngineName;
  /** the TF.js backend or the onnxruntime execution provider actually running the model */
  backend: string;
  /** which build of the backend, where it has several (TF.js wasm: 'threaded SIMD', or 'SIMD' when threads could not start) */
  build?: string;
  threads: number;
  /** what was tried first and could not be used, in the order tried */
  skipped: SkippedOption[];
};

export interface Engine {
  /** `batch` is NCHW [n, 3, h, w] float32, already normalised; h and w must suit the architecture. */
  predict(batch: Float32Array, n: number, h: number, w: number): Promise<EngineOutput>;
  describe(): EngineDescription;
  dispose(): Promise<void>;
}

/** Fails before any runtime sees a batch whose length or size does not fit. */
export function checkBatch(definition: ModelDefinition, batch: Float32Array, n: number, h: number, w: number): void {
  const channels = definition.graph.inputs[0].channels;
  if (![n, h, w].every((v) => Number.isInteger(v) && v > 0)) throw new Error(`batch dimensions must be positive integers, got ${n}x${h}x${w}`);
  if (batch.length !== n * channels * h * w) {
    throw new Error(`a [${n}, ${channels}, ${h}, ${w}] batch holds ${n * channels * h * w} values, got ${batch.length}`);
  }
  checkInputSize(definition.metadata, h, w);
}

export function hasClassifier(definition: ModelDefinition): boolean {
  return definition.metadata.outputNames.includes('cls_logit');
}

/** The message of an error of any kind, for skip reasons. */
export function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0].trim();
}

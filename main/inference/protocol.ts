// Messages between an engine client and its worker (main/inference/engine.worker.ts). Batches and outputs travel as
// transferred buffers, never copied.
import type { ArchName } from '../../ml/models';
import type { EngineDescription, EngineName, EngineOutput } from '../../ml/runtime/engine';
import type { ModelInput, ModelSource } from './model-source';

/** What the worker reports once its engine is loaded. */
export type LoadedEngine = {
  arch: ArchName;
  input: ModelInput;
  hasClassifier: boolean;
  description: EngineDescription;
};

export type EngineRequest =
  | { id: number; type: 'load'; engine: EngineName; source: ModelSource; threads?: number }
  | { id: number; type: 'predict'; batch: Float32Array; n: number; h: number; w: number }
  | { id: number; type: 'dispose' };

export type EngineReply =
  | { id: number; ok: true; loaded: LoadedEngine }
  | { id: number; ok: true; output: EngineOutput }
  | { id: number; ok: true; disposed: true }
  | { id: number; ok: false; message: string };

/** A typed array that is the whole of its buffer, so transferring the buffer sends exactly these values. */
export function ownBuffer(values: Float32Array): Float32Array {
  return values.byteOffset === 0 && values.byteLength === values.buffer.byteLength ? values : values.slice();
}

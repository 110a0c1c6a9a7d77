// Where an engine's model comes from: a model folder (read by the model store, inside the worker so the weights
// never cross threads) or a model already in memory (tests, freshly trained weights). An INT8 folder runs on the onnx
// engine only, and auto picks onnx first (main/triage/run-job.ts), so TTA and ensembles take it like any model.
import { loadModel, loadModelForOnnx, readModelCard } from '../../ml/io/model-store';
import { cardPrecision, type ModelCard } from '../../ml/io/model-card';
import type { Normalisation } from '../../ml/preprocess';
import type { EngineModel, EngineName } from '../../ml/runtime/engine';

/** How the model is fed: the card's square input size and normalisation. */
export type ModelInput = { size: number; normalisation: Normalisation };

export type ModelSource = { dir: string } | { model: EngineModel; input: ModelInput };

/** The model as `engine` needs it: the onnx engine gets the graph's file and no weights (it never reads them). */
export async function openModelSource(source: ModelSource, engine: EngineName): Promise<{ model: EngineModel; input: ModelInput }> {
  if ('model' in source) return source;
  if (engine === 'onnx') {
    const { card, definition, onnxPath } = await loadModelForOnnx(source.dir);
    return { model: { definition, onnx: onnxPath }, input: inputOf(card) };
  }
  // The TF.js engine runs the weights, which stay fp32 in an INT8 folder: it would run another model than the card's.
  if (cardPrecision(await readModelCard(source.dir)) === 'int8') throw new Error(int8OnTfjs(source.dir));
  const { card, definition, weights, onnxPath } = await loadModel(source.dir);
  return { model: { definition, weights, onnx: onnxPath }, input: inputOf(card) };
}

function int8OnTfjs(dir: string): string {
  return `${dir} is an INT8 model: its quantized graph runs on the onnx engine only (the TF.js engine would run its fp32 weights instead); choose the onnx engine or auto`;
}

function inputOf(card: ModelCard): ModelInput {
  return { size: card.input.size, normalisation: card.input.normalisation };
}

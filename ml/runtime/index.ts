// ml/runtime: the model runtimes behind one Engine interface, picked by name.
import type { Engine, EngineModel, EngineName } from './engine';
import { engineNames } from './engine';
import { loadOnnxEngine, type OnnxEngineOptions } from './onnx-engine';
import { loadTfjsEngine, type TfjsEngineOptions } from './tfjs-engine';

export type * from './engine';
export { checkBatch, engineNames, hasClassifier } from './engine';
export { loadOnnxEngine, providerChain, type OnnxEngineOptions } from './onnx-engine';
export { loadTfjsEngine, type TfjsEngineOptions } from './tfjs-engine';
export { chooseBackend, defaultBackendChain, tfjsBackend, type BackendCandidate, type BackendChoice } from './tfjs-backend';
export { TfjsGraphModel } from './tfjs-graph';

export type EngineOptions = { onnx?: OnnxEngineOptions; tfjs?: TfjsEngineOptions };

export function isEngineName(name: string): name is EngineName {
  return (engineNames as readonly string[]).includes(name);
}

export function loadEngine(name: EngineName, model: EngineModel, options: EngineOptions = {}): Promise<Engine> {
  switch (name) {
    case 'onnx':
      return loadOnnxEngine(model, options.onnx);
    case 'tfjs':
      return loadTfjsEngine(model, options.tfjs);
  }
}

// An inference worker: hosts one engine so that model runs (seconds on a CPU) never block the main thread.
import { parentPort } from 'node:worker_threads';
import { hasClassifier, loadEngine, type Engine } from '../../ml/runtime';
import { openModelSource } from './model-source';
import { ownBuffer, type EngineReply, type EngineRequest } from './protocol';

const port = parentPort!;
let engine: Engine | undefined;

port.on('message', async (request: EngineRequest) => {
  try {
    port.postMessage(...(await handle(request)));
  } catch (error) {
    port.postMessage({ id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) } satisfies EngineReply);
  }
});

async function handle(request: EngineRequest): Promise<[EngineReply, ArrayBuffer[]?]> {
  const { id } = request;
  switch (request.type) {
    case 'load': {
      if (engine) throw new Error('this inference worker already holds a model');
      const { model, input } = await openModelSource(request.source, request.engine);
      engine = await loadEngine(request.engine, model, { onnx: { threads: request.threads } });
      const loaded = { arch: model.definition.metadata.arch, input, hasClassifier: hasClassifier(model.definition), description: engine.describe() };
      return [{ id, ok: true, loaded }];
    }
    case 'predict': {
      if (!engine) throw new Error('no model is loaded in this inference worker');
      const output = await engine.predict(request.batch, request.n, request.h, request.w);
      const logits = ownBuffer(output.logits);
      const clsLogits = output.clsLogits && ownBuffer(output.clsLogits);
      const transfer = [logits.buffer, ...(clsLogits ? [clsLogits.buffer] : [])] as ArrayBuffer[];
      return [{ id, ok: true, output: clsLogits ? { logits, clsLogits } : { logits } }, transfer];
    }
    case 'dispose': {
      await engine?.dispose();
      engine = undefined;
      return [{ id, ok: true, disposed: true }];
    }
  }
}

// The tfjs engine: the graph IR run by TF.js (TfjsGraphModel) on the thread's chosen backend.
import * as tf from '@tensorflow/tfjs';
import { TfjsGraphModel } from './tfjs-graph';
import { checkBatch, type Engine, type EngineDescription, type EngineModel, type EngineOutput } from './engine';
import { tfjsBackend, type BackendChoice } from './tfjs-backend';

export type TfjsEngineOptions = {
  /** the backend to run on; default the thread's choice from the default chain */
  backend?: BackendChoice;
};

export async function loadTfjsEngine(model: EngineModel, options: TfjsEngineOptions = {}): Promise<Engine> {
  const { definition, weights } = model;
  if (!weights) throw new Error(`the tfjs engine needs the ${definition.metadata.arch} model's weights`);
  const choice = options.backend ?? (await tfjsBackend());
  const graphModel = TfjsGraphModel.fromWeights(definition, weights);
  return new TfjsEngine(graphModel, {
    engine: 'tfjs',
    backend: choice.candidate,
    ...(choice.build && { build: choice.build }),
    threads: choice.threads,
    skipped: choice.skipped,
  });
}

class TfjsEngine implements Engine {
  constructor(
    private readonly model: TfjsGraphModel,
    private readonly description: EngineDescription,
  ) {}

  async predict(batch: Float32Array, n: number, h: number, w: number): Promise<EngineOutput> {
    const { definition } = this.model;
    checkBatch(definition, batch, n, h, w);
    const channels = definition.graph.inputs[0].channels;
    // Only the output tensors survive the scope; they are read into typed arrays and freed here.
    const outputs = tf.tidy(() => {
      const image = tf.transpose(tf.tensor4d(batch, [n, channels, h, w]), [0, 2, 3, 1]) as tf.Tensor4D;
      return this.model.predict(image);
    });
    try {
      const logits = (await outputs.logits.data()) as Float32Array;
      if (!outputs.cls_logit) return { logits };
      return { logits, clsLogits: (await outputs.cls_logit.data()) as Float32Array };
    } finally {
      tf.dispose(outputs);
    }
  }

  describe(): EngineDescription {
    return { ...this.description, skipped: [...this.description.skipped] };
  }

  async dispose(): Promise<void> {
    this.model.dispose();
  }
}

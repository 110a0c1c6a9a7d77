// The TF.js training engine, the reference: the IR executed op by op with tf.Variables, gradients from TF.js's tape
// (with Pleura's corrected kernels on WASM), Adam or SGD and the weight average as TF.js ops.
import * as tf from '@tensorflow/tfjs';
import type { ModelDefinition } from '../../models';
import type { BackendChoice } from '../../runtime/tfjs-backend';
import { TfjsGraphModel } from '../../runtime/tfjs-graph';
import { registerWasmTrainingKernels } from '../../runtime/wasm-training-kernels';
import { createEma } from '../ema';
import { imageBatch, maskBatch } from '../loop/batch';
import { createLoss } from '../losses';
import { createAdam, createSgd, type Optimizer } from '../optim';
import type { Stage } from '../plans';
import type { StageTrainer, TrainingBatch, TrainingEngine, TrainingEngineDescription, WeightAverage } from './types';

export function createTfjsTrainingEngine(definition: ModelDefinition, weights: ReadonlyMap<string, Float32Array>, backend: BackendChoice, skipped: TrainingEngineDescription['skipped'] = []): TrainingEngine {
  // TF.js's own resize and (on wasm) max-pool gradients are wrong: whatever backend was chosen, train with Pleura's.
  registerWasmTrainingKernels();
  const model = TfjsGraphModel.fromWeights(definition, weights);
  const normalisation = definition.metadata.normalization;
  return {
    describe: () => ({ engine: 'tfjs', backend: backend.backend, skipped: [...skipped, ...backend.skipped] }),

    async startStage(stage, saved) {
      model.setTrainingSetup({ freezeEncoder: stage.freezeEncoder, encoderBatchNorm: stage.encoderBatchNorm ?? definition.metadata.encoderBatchNorm });
      const optimizer = createOptimizer(stage);
      if (saved.optimizer) optimizer.importState(saved.optimizer, model.namedVariables());
      // Buffers too: BatchNorm's running statistics must match the averaged weights they normalise for.
      const ema = stage.ema ? createEma(model.namedVariables(), stage.ema.decay) : null;
      if (ema && saved.ema) ema.importState(saved.ema);
      const loss = createLoss(stage.loss);
      const vars = model.trainableVariables();
      const average: WeightAverage | null = ema && {
        update: async () => ema.update(),
        reset: async () => ema.reset(),
        async applied(work) {
          ema.apply();
          try {
            return await work();
          } finally {
            ema.restore();
          }
        },
        exportState: () => ema.exportState(),
      };
      const trainer: StageTrainer = {
        average,
        async step(batch: TrainingBatch, lr: number) {
          optimizer.learningRate = lr;
          const x = imageBatch(batch.map((b) => b.image), normalisation);
          const y = maskBatch(batch.map((b) => b.mask));
          try {
            const { value, grads } = tf.variableGrads(() => {
              const outputs = model.forward(x, { training: true });
              return loss({ logits: outputs.logits as tf.Tensor4D, clsLogit: outputs.cls_logit as tf.Tensor2D | undefined }, y);
            }, vars);
            try {
              optimizer.apply(vars, vars.map((v) => grads[v.name]));
              return (await value.data())[0];
            } finally {
              tf.dispose([value, ...Object.values(grads)]);
            }
          } finally {
            tf.dispose([x, y]);
          }
        },
        exportOptimizer: () => optimizer.exportState(model.namedVariables()),
        async dispose() {
          optimizer.dispose();
          ema?.dispose();
        },
      };
      return trainer;
    },

    exportWeights: () => model.exportWeights(),

    async loadWeights(weights) {
      const loaded = TfjsGraphModel.fromWeights(definition, weights);
      try {
        for (const [name, variable] of loaded.namedVariables()) model.namedVariables().get(name)!.assign(variable);
      } finally {
        loaded.dispose();
      }
    },

    predictProbabilities: tfjsProbabilities(model).predictProbabilities,

    async dispose() {
      model.dispose();
    },
  };
}

/** A TF.js model as validation reads it: probabilities for a batch of images. */
export function tfjsProbabilities(model: TfjsGraphModel): Pick<TrainingEngine, 'predictProbabilities'> {
  return {
    async predictProbabilities(images) {
      const probabilities = tf.tidy(() => tf.sigmoid(model.predict(imageBatch(images, model.definition.metadata.normalization)).logits));
      try {
        return (await probabilities.data()) as Float32Array;
      } finally {
        probabilities.dispose();
      }
    },
  };
}

function createOptimizer(stage: Stage): Optimizer {
  const common = { lr: stage.lr, weightDecay: stage.weightDecay, clipNorm: stage.clipNorm };
  return stage.optimizer.kind === 'sgd' ? createSgd({ ...common, momentum: stage.optimizer.momentum }) : createAdam(common);
}

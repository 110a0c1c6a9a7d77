// The TF.js training engine, the reference: the IR executed op by op with tf.Variables, gradients from TF.js's tape
// (with Pleura's corrected kernels on WASM), Adam or SGD and the weight average as TF.js ops.
import * as tf from '@tensorflow/tfjs';
import type { ModelDefinition } from '../../models';
import type { Plane } from '../../preprocess';
import type { BackendChoice } from '../../runtime/tfjs-backend';
import { TfjsGraphModel } from '../../runtime/tfjs-graph';
import { registerWasmTrainingKernels } from '../../runtime/wasm-training-kernels';
import { createEma, type Ema } from '../ema';
import { imageBatch, maskBatch } from '../loop/batch';
import { createLoss } from '../losses';
import { createAdam, createSgd, type Optimizer } from '../optim';
import type { Stage } from '../plans';
import type { ConsistencyBatch, StageTrainer, TrainingBatch, TrainingEngine, TrainingEngineDescription, WeightAverage } from './types';

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
      const teacherEma = stage.meanTeacher ? createEma(model.namedVariables(), stage.meanTeacher.decay) : null;
      if (teacherEma && saved.teacher) teacherEma.importState(saved.teacher);
      const loss = createLoss(stage.loss);
      const vars = model.trainableVariables();
      const average = ema && emaAverage(ema);
      const teacher = teacherEma && emaAverage(teacherEma);
      /** The teacher's probabilities (eval mode, the averaged weights swapped in), a constant of the step. */
      const softTargets = (images: readonly Plane[]): tf.Tensor4D => {
        teacherEma!.apply();
        try {
          return tf.tidy(() => tf.sigmoid(model.predict(imageBatch(images, normalisation)).logits) as tf.Tensor4D);
        } finally {
          teacherEma!.restore();
        }
      };
      const trainer: StageTrainer = {
        average,
        teacher,
        async step(batch: TrainingBatch, lr: number, consistency?: ConsistencyBatch) {
          if (consistency && !teacherEma) throw new Error(`stage "${stage.name}" has no mean teacher to give consistency targets`);
          optimizer.learningRate = lr;
          const n = batch.length;
          const targets = consistency ? softTargets(consistency.images) : null;
          const x = imageBatch([...batch.map((b) => b.image), ...(consistency?.images ?? [])], normalisation);
          const y = maskBatch(batch.map((b) => b.mask));
          try {
            const { value, grads } = tf.variableGrads(() => {
              const outputs = model.forward(x, { training: true });
              const logits = outputs.logits as tf.Tensor4D;
              const clsLogit = outputs.cls_logit as tf.Tensor2D | undefined;
              if (!targets) return loss({ logits, clsLogit }, y);
              // Labelled and unlabelled images share the forward pass (and BatchNorm's batch statistics).
              const supervised = loss({ logits: logits.slice([0, 0, 0, 0], [n, -1, -1, -1]), clsLogit: clsLogit?.slice([0, 0], [n, -1]) }, y);
              const mse = tf.mean(tf.squaredDifference(tf.sigmoid(logits.slice([n, 0, 0, 0], [-1, -1, -1, -1])), targets));
              return tf.add(supervised, tf.mul(mse, consistency!.weight)) as tf.Scalar;
            }, vars);
            try {
              // A head no loss reaches has no gradient (TF.js leaves it out): skipped, as PyTorch skips a None .grad.
              const reached = vars.filter((v) => grads[v.name] !== undefined);
              optimizer.apply(reached, reached.map((v) => grads[v.name]));
              return (await value.data())[0];
            } finally {
              tf.dispose([value, ...Object.values(grads)]);
            }
          } finally {
            tf.dispose([x, y, ...(targets ? [targets] : [])]);
          }
        },
        exportOptimizer: () => optimizer.exportState(model.namedVariables()),
        async dispose() {
          optimizer.dispose();
          ema?.dispose();
          teacherEma?.dispose();
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

function emaAverage(ema: Ema): WeightAverage {
  return {
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
}

function createOptimizer(stage: Stage): Optimizer {
  const common = { lr: stage.lr, weightDecay: stage.weightDecay, clipNorm: stage.clipNorm };
  return stage.optimizer.kind === 'sgd' ? createSgd({ ...common, momentum: stage.optimizer.momentum }) : createAdam(common);
}

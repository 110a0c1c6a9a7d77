// The onnxruntime training engine: each stage compiles the model IR into one ONNX training step (ml/train/onnx) for
// its loss, optimiser, clipping and frozen parts, and runs it on onnxruntime-node (CUDA where it loads, else the
// CPU). Validation runs the ordinary inference export of the current weights. The weight average is kept here in
// Float32Arrays: one pass over the parameters per step, far cheaper than the step itself.
import { exportOnnx } from '../../io/onnx-export';
import type { ModelDefinition } from '../../models';
import { writeModelInput, type Plane } from '../../preprocess';
import type { Engine, SkippedOption } from '../../runtime/engine';
import { loadOnnxEngine } from '../../runtime/onnx-engine';
import type { EmaState } from '../ema';
import type { OptimizerSpec } from '../onnx/contract';
import { trainingSetup } from '../onnx/step-graph';
import { TeacherForward } from '../onnx/teacher-forward';
import { OnnxTrainingSession } from '../onnx/training-session';
import type { Stage } from '../plans';
import type { ConsistencyBatch, StageTrainer, TrainingBatch, TrainingEngine, WeightAverage } from './types';

/** torch.optim.Adam's defaults, which every plan uses. */
const ADAM = { betas: [0.9, 0.999] as const, eps: 1e-8 };

export type OnnxTrainingEngineOptions = {
  /** the square training size the step is compiled for */
  size: number;
  providers: readonly string[];
  threads: number;
  skipped?: SkippedOption[];
};

export async function createOnnxTrainingEngine(
  definition: ModelDefinition,
  weights: ReadonlyMap<string, Float32Array>,
  options: OnnxTrainingEngineOptions,
): Promise<TrainingEngine> {
  let held: Map<string, Float32Array> = new Map([...weights].map(([name, values]) => [name, Float32Array.from(values)]));
  let session: OnnxTrainingSession | null = null;
  let provider = options.providers[0];
  let skipped: SkippedOption[] = [...(options.skipped ?? [])];
  /** the inference session validation uses, and the weights version it was exported from */
  let inference: { engine: Engine; version: number } | null = null;
  let version = 0;

  const current = (): Map<string, Float32Array> => (session ? session.weights() : held);
  const normalisation = definition.metadata.normalization;

  return {
    describe: () => ({ engine: 'onnx', backend: provider, skipped: [...skipped] }),

    async startStage(stage, saved) {
      if (session) throw new Error('a training stage is already running on this engine');
      const setup = trainingSetup(definition, { freezeEncoder: stage.freezeEncoder, encoderBatchNorm: stage.encoderBatchNorm ?? definition.metadata.encoderBatchNorm });
      const started = await OnnxTrainingSession.create(
        definition,
        held,
        {
          setup,
          loss: stage.loss,
          optimizer: optimizerSpec(stage),
          clipNorm: stage.clipNorm ?? null,
          height: options.size,
          width: options.size,
          providers: [provider, ...options.providers.filter((p) => p !== provider)],
          threads: options.threads,
        },
        stage.batchSize,
      );
      const described = started.describe();
      provider = described.provider;
      skipped = [...(options.skipped ?? []), ...described.skipped];
      if (saved.optimizer) started.importOptimizerState(saved.optimizer);
      session = started;
      const average = stage.ema ? arrayAverage(() => session!, stage.ema.decay, saved.ema, () => version++) : null;
      const teacher = stage.meanTeacher ? arrayAverage(() => session!, stage.meanTeacher.decay, saved.teacher ?? null, () => version++) : null;
      const teacherForward = teacher && new TeacherForward(definition, { height: options.size, width: options.size }, { provider, threads: options.threads });
      const trainer: StageTrainer = {
        average,
        teacher,
        async step(batch: TrainingBatch, lr: number, consistency?: ConsistencyBatch) {
          if (consistency && !teacher) throw new Error(`stage "${stage.name}" has no mean teacher to give consistency targets`);
          const unlabelled = consistency?.images ?? [];
          const { images, targets, n } = nchwBatch(batch, normalisation, unlabelled);
          let result;
          if (consistency) {
            const u = unlabelled.length;
            const softTargets = await teacherForward!.probabilities(teacher!.shadowViews(), images.subarray((images.length / (n + u)) * n), u);
            result = await started.step(images, targets, n, lr, { unlabelled: u, softTargets, weight: consistency.weight });
          } else {
            result = await started.step(images, targets, n, lr);
          }
          version++;
          return result.loss;
        },
        exportOptimizer: async () => started.optimizerState(),
        async dispose() {
          held = started.weights();
          session = null;
          await teacherForward?.release();
          await started.release();
        },
      };
      return trainer;
    },

    async exportWeights() {
      const weights = current();
      return session ? weights : new Map([...weights].map(([name, values]) => [name, Float32Array.from(values)]));
    },

    async loadWeights(weights) {
      if (session) session.loadWeights(weights);
      else held = new Map([...weights].map(([name, values]) => [name, Float32Array.from(values)]));
      version++;
    },

    async predictProbabilities(images) {
      if (!inference || inference.version !== version) {
        await inference?.engine.dispose();
        const onnx = exportOnnx(definition, current(), { rowStrips: 1 });
        // Before any stage has run (a teacher labelling images), the provider is untried: fall back as a stage does.
        const engine = await loadOnnxEngine({ definition, onnx }, { providers: [provider, ...options.providers.filter((p) => p !== provider)], threads: options.threads });
        provider = engine.describe().backend;
        inference = { engine, version };
      }
      const { rows, columns } = images[0];
      const batch = new Float32Array(images.length * 3 * rows * columns);
      images.forEach((image, n) => writeModelInput(image, normalisation, batch, n * 3 * rows * columns));
      const { logits } = await inference.engine.predict(batch, images.length, rows, columns);
      return logits.map((x) => 1 / (1 + Math.exp(-x)));
    },

    async dispose() {
      await inference?.engine.dispose();
      await session?.release();
      session = null;
    },
  };
}

function optimizerSpec(stage: Stage): OptimizerSpec {
  return stage.optimizer.kind === 'sgd'
    ? { kind: 'sgd', momentum: stage.optimizer.momentum, dampening: 0, weightDecay: stage.weightDecay, nesterov: false }
    : { kind: 'adam', betas: ADAM.betas, eps: ADAM.eps, weightDecay: stage.weightDecay };
}

/**
 * NCHW images through the models' one input rule — the labelled ones, then `unlabelled` (the mean teacher's) — and
 * the masks as [n, 1, h, w].
 */
function nchwBatch(batch: TrainingBatch, normalisation: ModelDefinition['metadata']['normalization'], unlabelled: readonly Plane[] = []) {
  const { rows, columns } = batch[0].image;
  const plane = rows * columns;
  const all = [...batch.map((b) => b.image), ...unlabelled];
  const images = new Float32Array(all.length * 3 * plane);
  const targets = new Float32Array(batch.length * plane);
  all.forEach((image, n) => {
    const mask = batch[n]?.mask ?? image;
    if (image.rows !== rows || image.columns !== columns || mask.rows !== rows || mask.columns !== columns) {
      throw new RangeError(`a batch mixes ${rows}x${columns} and ${image.rows}x${image.columns} images`);
    }
    writeModelInput(image, normalisation, images, n * 3 * plane);
    if (n < batch.length) targets.set(batch[n].mask.data, n * plane);
  });
  return { images, targets, n: batch.length };
}

/**
 * timm's ModelEmaV2 over every parameter and buffer (as ml/train/ema.ts does in TF.js): shadow ← decay·shadow +
 * (1 − decay)·weight, each product rounded to float32 as TF.js's kernels round it.
 */
function arrayAverage(
  session: () => OnnxTrainingSession,
  decay: number,
  saved: EmaState | null,
  changed: () => void,
): WeightAverage & { shadowViews(): ReadonlyMap<string, Float32Array> } {
  let shadows = saved ? new Map(Object.entries(saved.shadows).map(([k, v]) => [k, Float32Array.from(v)])) : session().weights();
  const keep = Math.fround(decay);
  const blend = Math.fround(1 - decay);
  return {
    async update() {
      for (const [name, weight] of session().weightViews()) {
        const shadow = shadows.get(name)!;
        for (let i = 0; i < shadow.length; i++) shadow[i] = Math.fround(shadow[i] * keep) + Math.fround(weight[i] * blend);
      }
    },
    async reset() {
      shadows = session().weights();
    },
    /** the averaged weights themselves, uncopied: valid until the next update or reset */
    shadowViews: () => shadows,
    async applied(work) {
      const trained = session().weights();
      session().loadWeights(shadows);
      changed();
      try {
        return await work();
      } finally {
        session().loadWeights(trained);
        changed();
      }
    },
    async exportState() {
      return { shadows: Object.fromEntries([...shadows].map(([name, values]) => [name, Float32Array.from(values)])) };
    },
  };
}

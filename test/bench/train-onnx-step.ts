// One onnxruntime training configuration, measured in its own process so its peak memory is its own: the same
// step as test/bench/train_torch.py (Adam 1e-4 with weight decay 1e-4, clipping at 1, the pixel-leaning combo loss),
// random weights and images. Usage: tsx train-onnx-step.ts albunet|unet-light SIZE BATCH STEPS; prints JSON.
import { availableParallelism } from 'node:os';
import { createModel, initialWeights, type ArchName } from '../../ml/models';
import { Rng } from '../../ml/random';
import { comboPresets } from '../../ml/train/losses';
import { onnxTrainingProviders } from '../../ml/train/loop/backend';
import { trainingSetup } from '../../ml/train/onnx/step-graph';
import { OnnxTrainingSession } from '../../ml/train/onnx/training-session';

const [arch, sizeText, batchText, stepsText] = process.argv.slice(2);
const [size, batch, steps] = [sizeText, batchText, stepsText].map(Number);
const definition = createModel(arch as ArchName, (arch === 'albunet' ? { nf: 32 } : {}) as never);
const { providers } = await onnxTrainingProviders();
const compileStarted = performance.now();
const session = await OnnxTrainingSession.create(
  definition,
  initialWeights(definition.graph, 1),
  {
    setup: trainingSetup(definition, { freezeEncoder: false, encoderBatchNorm: 'train' }),
    loss: comboPresets['pixel-leaning'],
    optimizer: { kind: 'adam', betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-4 },
    clipNorm: 1,
    height: size,
    width: size,
    providers,
    threads: availableParallelism(),
  },
  batch,
);
const compileSeconds = (performance.now() - compileStarted) / 1000;
const rng = new Rng(2);
const images = Float32Array.from({ length: batch * 3 * size * size }, () => rng.next());
const targets = Float32Array.from({ length: batch * size * size }, () => (rng.next() < 0.1 ? 1 : 0));
await session.step(images, targets, batch, 1e-4);
const times: number[] = [];
for (let i = 0; i < steps; i++) {
  const started = performance.now();
  await session.step(images, targets, batch, 1e-4);
  times.push((performance.now() - started) / 1000);
}
const seconds = times.reduce((a, b) => a + b, 0);
const best = Math.min(...times);
process.stdout.write(
  `${JSON.stringify({
    provider: session.describe().provider,
    imagesPerSecond: round((batch * steps) / seconds),
    bestImagesPerSecond: round(batch / best),
    secondsPerStep: round(seconds / steps),
    compileSeconds: round(compileSeconds),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`,
);
await session.release();

function round(v: number) {
  return Math.round(v * 1000) / 1000;
}

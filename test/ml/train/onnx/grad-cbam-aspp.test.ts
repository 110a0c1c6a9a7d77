// Gradients of the 3rd place's CBAM and the 5th place's ASPP through the ONNX training compiler, against PyTorch
// interpreting the same IR (Σ out·R, every trainable tensor). Each block alone on a tiny map is held tightly: it
// covers CBAM's reused MLP (two gradient contributions into one tensor), the max reductions and expandSpatial. The
// whole ASPP U-Net (64x64, batch 2) is held more loosely: its image-pooling BatchNorm normalises two values per
// channel, ill-conditioned enough that float32 and float64 PyTorch differ there too. Skipped without torch.
import { afterEach, expect, it } from 'vitest';
import { cbam } from '../../../../ml/models/attention';
import { GraphBuilder } from '../../../../ml/models/builder';
import { aspp } from '../../../../ml/models/decoders/aspp-unet/decoder';
import { createModel, type GraphIR } from '../../../../ml/models';
import { trainingSetup } from '../../../../ml/train/onnx/step-graph';
import type { TrainingSetup } from '../../../../ml/train/onnx/contract';
import { fullSetup, GradientProblem, type Size } from './grad-check';
import { errorsAgainstTorch } from './grad-torch';
import { describeWithTorch } from './torch-reference';

/** Model-sized tests on a shared two-core machine: minutes, not the default one. */
const HEAVY_TIMEOUT_MS = 400_000;

let problem: GradientProblem | null = null;
afterEach(async () => {
  await problem?.release();
  problem = null;
});

/** conv → ReLU → block → conv head: the block's input and output gradients both matter. */
function around(channels: number, block: (b: GraphBuilder, x: ReturnType<GraphBuilder['input']>) => ReturnType<GraphBuilder['input']>): GraphIR {
  const b = new GraphBuilder();
  const x = b.relu(b.conv2d(b.input('image', 3), 'stem', { out: channels, kernel: 3, pad: 1 }));
  b.output('logits', b.conv2d(block(b, x), 'head', { out: 1, kernel: 3, pad: 1 }), 'map');
  return b.build();
}

async function worstError(graph: GraphIR, size: Size, setup: TrainingSetup): Promise<[string, number]> {
  problem = await GradientProblem.create(graph, size, { setup });
  const errors = await errorsAgainstTorch(graph, problem, setup, await problem.gradients(), 'float64');
  expect(errors.size).toBe(setup.trainable.size);
  return [...errors].reduce((a, b) => (b[1] > a[1] ? b : a));
}

describeWithTorch('3rd and 5th place gradients against PyTorch', () => {
  it('CBAM alone (32 channels, 8x8, batch 2): relative error < 1e-5', async () => {
    const graph = around(32, (b, x) => cbam(b, x, 'att', 16));
    const [name, error] = await worstError(graph, { batch: 2, height: 8, width: 8 }, fullSetup(graph));
    expect(error, name).toBeLessThan(1e-5);
  });

  it('ASPP alone (rates 1/2/3, 16 channels, 8x8, batch 3): relative error < 1e-5', async () => {
    const graph = around(16, (b, x) => aspp(b, x, 'aspp', [1, 2, 3], 8));
    const [name, error] = await worstError(graph, { batch: 3, height: 8, width: 8 }, fullSetup(graph));
    expect(error, name).toBeLessThan(1e-5);
  });

  it('aspp-unet on SE-ResNeXt50 (64x64, batch 2, encoder BatchNorm frozen), both outputs seeded: < 1e-3', async () => {
    const definition = createModel('aspp-unet');
    const setup = trainingSetup(definition, { freezeEncoder: false, encoderBatchNorm: 'frozen' });
    const [name, error] = await worstError(definition.graph, { batch: 2, height: 64, width: 64 }, setup);
    // measured 2.6e-4, at decoder.aspp.convs.4.1 (the image-pooling branch's conv before its two-value BatchNorm)
    expect(error, name).toBeLessThan(1e-3);
  }, HEAVY_TIMEOUT_MS);
});

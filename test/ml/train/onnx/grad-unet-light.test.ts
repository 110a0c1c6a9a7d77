// unet-light (plain encoder, smp decoder with nearest upsampling; 64x64, batch 2) training whole: every trainable
// gradient of Σ logits·R against PyTorch. Skipped without torch.
import { afterEach, expect, it } from 'vitest';
import { createModel } from '../../../../ml/models';
import { trainingSetup } from '../../../../ml/train/onnx/step-graph';
import { GradientProblem } from './grad-check';
import { errorsAgainstTorch } from './grad-torch';
import { describeWithTorch } from './torch-reference';

/** Model-sized tests on a shared two-core machine: minutes, not the default one. */
const HEAVY_TIMEOUT_MS = 300_000;


let problem: GradientProblem | null = null;
afterEach(async () => {
  await problem?.release();
  problem = null;
});

describeWithTorch('unet-light gradients against PyTorch', () => {
  it('unet-light, every parameter training (relative error < 1e-4)', async () => {
    const definition = createModel('unet-light');
    const setup = trainingSetup(definition, { freezeEncoder: false, encoderBatchNorm: 'train' });
    problem = await GradientProblem.create(definition.graph, { batch: 2, height: 64, width: 64 }, { setup });
    const errors = await errorsAgainstTorch(definition.graph, problem, setup, await problem.gradients(), 'float64');
    expect(errors.size).toBe(setup.trainable.size);
    for (const [name, error] of errors) expect(error, name).toBeLessThan(1e-4);
  }, HEAVY_TIMEOUT_MS);
});

// unet34cls (64x64, batch 1) with its default frozen encoder BatchNorm and both outputs seeded (segmentation and
// classification head): every trainable gradient of Σ out·R against PyTorch. Skipped without torch.
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

describeWithTorch('unet34cls gradients against PyTorch', () => {
  it('unet34cls with frozen encoder BatchNorm and the classification head (relative error < 1e-4)', async () => {
    const definition = createModel('unet34cls');
    const setup = trainingSetup(definition, { freezeEncoder: false, encoderBatchNorm: definition.metadata.encoderBatchNorm });
    expect(setup.frozenBatchNorm.size).toBe(36);
    problem = await GradientProblem.create(definition.graph, { batch: 1, height: 64, width: 64 }, { setup });
    const grads = await problem.gradients();
    // float32: at these weights a near tie makes float64 choose differently at a kink, as for any float32 run (grad-torch.ts).
    const errors = await errorsAgainstTorch(definition.graph, problem, setup, grads, 'float32');
    expect(errors.size).toBe(setup.trainable.size);
    expect(grads.has('classification_head.3.weight')).toBe(true);
    for (const [name, error] of errors) expect(error, name).toBeLessThan(1e-4);
  }, HEAVY_TIMEOUT_MS);
});

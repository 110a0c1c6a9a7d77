// PyTorch as the reference for the backward pass (grad-reference.py): the gradients of Σ out·R for a
// GradientProblem's weights, image and R, against which given gradients are measured there (the tensors travel one
// way only).
//
// In which precision. Neither float32 nor float64 PyTorch is a reference to 1e-4 for every model. Deep train-mode
// BatchNorm over 2x2 maps (ResNet34's last stage at 64²) is ill-conditioned: float32 PyTorch is off from float64 by
// up to 2e-2 there, while this ONNX graph stays within 2e-5 of float64 — so float64. But where two values nearly tie
// at a max pool or straddle a ReLU's 0, float32 and float64 can choose differently, and every float32
// implementation then differs from float64 alike (unet34cls at 64² with frozen encoder BatchNorm: ONNX and PyTorch
// float32 both 2e-3 from float64, within 5e-6 of each other) — there float32.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { GraphIR } from '../../../../ml/models';
import type { TrainingSetup } from '../../../../ml/train/onnx/contract';
import type { GradientProblem } from './grad-check';
import { TORCH_PYTHON, writeBundle } from './torch-reference';

const SCRIPT = path.join(import.meta.dirname, 'grad-reference.py');

/**
 * Per parameter that either side differentiated, the relative error ‖a − b‖/‖b‖ of `grads` against PyTorch's
 * gradients in `dtype`; Infinity where only one side has a gradient.
 */
export async function errorsAgainstTorch(
  graph: GraphIR,
  problem: GradientProblem,
  setup: TrainingSetup,
  grads: ReadonlyMap<string, Float32Array>,
  dtype: 'float64' | 'float32',
): Promise<Map<string, number>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pleura-grad-reference-'));
  try {
    const image = problem.feeds.image;
    writeBundle(path.join(dir, 'inputs'), [
      { name: 'image', shape: image.dims, data: image.data as Float32Array },
      ...graph.params.map((p) => ({ name: `param:${p.name}`, shape: p.shape, data: problem.feeds[p.name].data as Float32Array })),
      ...graph.outputs.map((o) => ({ name: `seed:${o.name}`, shape: [problem.seed(o.name).length], data: problem.seed(o.name) })),
      ...[...grads].map(([name, data]) => ({ name: `grad:${name}`, shape: [data.length], data })),
    ]);
    writeFileSync(path.join(dir, 'graph.json'), JSON.stringify(graph));
    const request = {
      graph: path.join(dir, 'graph.json'),
      inputs: path.join(dir, 'inputs'),
      dtype,
      trainable: [...setup.trainable],
      frozenBatchNorm: [...setup.frozenBatchNorm],
      output: path.join(dir, 'result.json'),
    };
    writeFileSync(path.join(dir, 'request.json'), JSON.stringify(request));
    try {
      await promisify(execFile)(TORCH_PYTHON, [SCRIPT, path.join(dir, 'request.json')], { maxBuffer: 1 << 24 });
    } catch (error) {
      throw new Error(`grad-reference.py failed: ${(error as { stderr?: string }).stderr?.trim() || String(error)}`);
    }
    const result = JSON.parse(readFileSync(request.output, 'utf8')) as Record<string, number | null>;
    return new Map(Object.entries(result).map(([name, error]) => [name, error ?? Infinity]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}


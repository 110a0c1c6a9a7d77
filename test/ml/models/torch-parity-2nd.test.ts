// The 2nd place's architectures against PyTorch itself: torch_parity_2nd.py builds torchvision's deeplabv3_resnet50,
// a multi-task U-Net on torchvision's efficientnet_b3 (and one without its classifier on efficientnet_b5) and one
// on Cadene's se_resnext101_32x4d, with seeded random weights and BatchNorm statistics, and torch.saves them; each
// state_dict goes through Pleura's importer (names and shapes checked tensor by tensor) into a model folder, whose
// ONNX graph runs in onnxruntime-node on the same input (eval mode, 64x64, batch 1). Skipped, saying why, without
// python3-torch.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { importTorchModel } from '../../../ml/io/import-torch';
import { ONNX_FILE } from '../../../ml/io/model-store';
import { startPython, type PythonOutputs } from '../../support/ml-python-outputs';
import { describeWithTorch, TORCH_PYTHON } from '../train/onnx/torch-reference';

type Case = { name: string; arch: string; archOptions: Record<string, string | boolean>; outputs: string[] };

const CASES: Case[] = [
  { name: 'deeplabv3_resnet50', arch: 'deeplabv3-resnet50', archOptions: {}, outputs: ['logits'] },
  { name: 'unet_efficientnet_b3', arch: 'multitask-unet', archOptions: { encoder: 'efficientnet_b3' }, outputs: ['logits', 'cls_logit'] },
  { name: 'unet_efficientnet_b5', arch: 'multitask-unet', archOptions: { encoder: 'efficientnet_b5', classifier: false }, outputs: ['logits'] },
  { name: 'unet_se_resnext101', arch: 'multitask-unet', archOptions: { encoder: 'se_resnext101_32x4d' }, outputs: ['logits', 'cls_logit'] },
];
const SIZE = 64;
// float32 throughout, and the ONNX export folds every BatchNorm into its convolution: rounding, at most 3.5e-6
// measured (DeepLabV3); a wrong op moves the logits by their spread (0.03–0.4).
const TOLERANCE = 1e-4;

const script = path.join(import.meta.dirname, 'torch_parity_2nd.py');
const figures: Record<string, number> = {};

describeWithTorch('the 2nd place architectures against PyTorch (torch.save → import-torch → ONNX)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pleura-parity-2nd-'));
  const read = (file: string) => {
    const bytes = readFileSync(path.join(dir, file));
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  };

  let python: PythonOutputs;
  // One process for every case, in CASES order; each test waits for its case's manifest, written after its tensors.
  beforeAll(() => {
    python = startPython(TORCH_PYTHON, [script, dir, ...CASES.map((c) => c.name)]);
  });

  afterAll(async () => {
    await python.stop();
    rmSync(dir, { recursive: true, force: true });
    if (Object.keys(figures).length > 0) process.stderr.write(`onnx vs pytorch, max abs difference: ${JSON.stringify(figures)}\n`);
  });

  it.each(CASES)('$arch $archOptions matches PyTorch', async (c) => {
    await python.written(path.join(dir, `${c.name}.json`));
    const folder = path.join(dir, `${c.name}.model`);
    await importTorchModel(path.join(dir, `${c.name}.pth`), folder, { arch: c.arch, archOptions: c.archOptions, size: SIZE, tool: 'pleura 0.1.0' });
    const session = await ort.InferenceSession.create(path.join(folder, ONNX_FILE));
    try {
      expect(session.outputNames).toEqual(c.outputs);
      const result = await session.run({ image: new ort.Tensor('float32', read(`${c.name}.input.bin`), [1, 3, SIZE, SIZE]) });
      for (const output of c.outputs) {
        const expected = read(`${c.name}.${output}.bin`);
        const actual = result[output].data as Float32Array;
        expect(actual.length).toBe(expected.length);
        const worst = actual.reduce((max, v, i) => Math.max(max, Math.abs(v - expected[i])), 0);
        figures[`${c.name}.${output}`] = worst;
        expect(worst, output).toBeLessThan(TOLERANCE);
      }
      // Folding away both the weights and the comparison's meaning would pass: the logits must vary.
      const logits = read(`${c.name}.logits.bin`);
      expect(Math.max(...logits) - Math.min(...logits)).toBeGreaterThan(0.05);
    } finally {
      await session.release();
      rmSync(folder, { recursive: true, force: true });
    }
    // 300 s for the import and the run, plus the 600 s the PyTorch run had in the hook: a test may wait for it
  }, 900_000);
});

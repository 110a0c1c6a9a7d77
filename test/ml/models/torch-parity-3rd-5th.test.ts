// The 3rd place's CBAM U-Net and the 5th place's ASPP U-Net against nn.Modules written in PyTorch
// (torch_3rd_5th.py: torchvision's resnet34 and ASPP, a Cadene-style SE-ResNeXt): seeded random weights with
// BatchNorm statistics away from their defaults, torch.save'd, imported through import-torch, the exported ONNX
// run in onnxruntime against PyTorch's eval-mode logits and cls_logit. Skipped, saying why, without python3-torch.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { importTorchModel } from '../../../ml/io/import-torch';
import { loadModelForOnnx } from '../../../ml/io/model-store';
import { encoderNames } from '../../../ml/models';
import { startPython, type PythonOutputs } from '../../support/ml-python-outputs';
import { describeWithTorch, TORCH_PYTHON } from '../train/onnx/torch-reference';

type Case = { arch: 'cbam-unet' | 'aspp-unet'; encoder: string; outputs: string[] };
type Json = { shape: number[]; values: number[] };

const [N, H, W] = [2, 64, 96];
const ASPP_101: Case = { arch: 'aspp-unet', encoder: 'se_resnext101_32x4d', outputs: ['logits', 'cls_logit'] };
const CASES: Case[] = [
  { arch: 'cbam-unet', encoder: 'resnet34', outputs: ['logits'] },
  { arch: 'cbam-unet', encoder: 'se_resnext50_32x4d', outputs: ['logits'] },
  { arch: 'aspp-unet', encoder: 'se_resnext50_32x4d', outputs: ['logits', 'cls_logit'] },
  // tested wherever the registry has the 101-layer encoder
  ...(encoderNames().includes(ASPP_101.encoder) ? [ASPP_101] : []),
];
const figures: Record<string, Record<string, { maxAbsDiff: number; maxAbs: number }>> = {};

describeWithTorch('3rd and 5th place models: PyTorch modules → import-torch → ONNX', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pleura-parity-3rd-5th-'));
  const file = (c: Case, ext: string) => path.join(dir, `${c.arch}-${c.encoder}.${ext}`);

  let python: PythonOutputs;
  beforeAll(() => {
    const cases = CASES.map((c, i) => ({ ...c, seed: 11 + i, state_dict: file(c, 'pt'), io: file(c, 'json'), n: N, h: H, w: W }));
    const request = path.join(dir, 'request.json');
    writeFileSync(request, JSON.stringify({ cases }));
    python = startPython(TORCH_PYTHON, [path.join(import.meta.dirname, 'torch_3rd_5th.py'), request]);
  });

  afterAll(async () => {
    await python.stop();
    rmSync(dir, { recursive: true, force: true });
    if (Object.keys(figures).length > 0) process.stderr.write(`3rd/5th place onnx vs pytorch: ${JSON.stringify(figures)}\n`);
  });

  it.each(CASES)('$arch on $encoder: logits (and cls_logit) agree within 1e-4 of their largest magnitude', async (c) => {
    // The script writes a case's state_dict and then its outputs' JSON, which parses only once it is whole.
    await python.written(file(c, 'json'), parses);
    const folder = path.join(dir, `${c.arch}-${c.encoder}`);
    // strict import: every state_dict key of the module is a tensor of the graph, and the reverse
    await importTorchModel(file(c, 'pt'), folder, { arch: c.arch, archOptions: { encoder: c.encoder }, size: 64, tool: 'pleura 0.1.0' });
    const { onnxPath } = await loadModelForOnnx(folder);
    const reference = JSON.parse(readFileSync(file(c, 'json'), 'utf8')) as Record<string, Json>;
    const session = await ort.InferenceSession.create(onnxPath);
    try {
      expect(session.outputNames).toEqual(c.outputs);
      const image = new ort.Tensor('float32', Float32Array.from(reference.image.values), reference.image.shape);
      const result = await session.run({ image });
      figures[`${c.arch}/${c.encoder}`] = {};
      for (const name of c.outputs) {
        expect(result[name].dims).toEqual(reference[name].shape);
        const ours = result[name].data as Float32Array;
        const theirs = reference[name].values;
        const maxAbs = Math.max(...theirs.map(Math.abs));
        const maxAbsDiff = Math.max(...theirs.map((v, i) => Math.abs(v - ours[i])));
        figures[`${c.arch}/${c.encoder}`][name] = { maxAbsDiff, maxAbs };
        // BatchNorm folded into the convolutions and float32 sums in another order: relative, not bitwise, error.
        expect(maxAbsDiff, name).toBeLessThan(1e-4 * maxAbs);
        // a comparison means something only if the outputs vary between pixels and images
        expect(standardDeviation(theirs), name).toBeGreaterThan(1e-3 * maxAbs);
      }
    } finally {
      await session.release();
    }
    // 240 s for the import and the run, plus the 280 s the PyTorch run had in the hook: a test may wait for it
  }, 520_000);
});

function parses(file: string): boolean {
  try {
    JSON.parse(readFileSync(file, 'utf8'));
    return true;
  } catch {
    return false;
  }
}

function standardDeviation(values: readonly number[]): number {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
}

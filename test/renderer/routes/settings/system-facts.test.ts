import { describe, expect, it } from 'vitest';
import type { SystemInfo } from '../../../../main/api/contract';
import { engineLine, engineProblem, formatMemory, hardwareLine } from '../../../../renderer/routes/settings/system-facts';

const onnx = { name: 'onnx', available: true, backend: 'cpu', detail: 'CUDA not found on this machine — running on CPU' } as const;
const tfjs = { name: 'tfjs', available: false, backend: null, detail: 'tfjs-node is not installed' } as const;
const info: SystemInfo = {
  cpu: { model: 'AMD EPYC 9R14', cores: 2 },
  memoryBytes: 24 * 1024 ** 3,
  platform: 'linux x64',
  engines: [onnx, tfjs],
  rulePresets: {},
};

describe('the machine beside the engine choice', () => {
  it('states the CPU, cores, memory and platform', () => {
    expect(hardwareLine(info)).toBe('AMD EPYC 9R14, 2 cores, 24.0 GiB memory, linux x64');
    expect(hardwareLine({ ...info, cpu: { model: 'ARM', cores: 1 } })).toMatch(/^ARM, 1 core,/);
    expect(formatMemory(1.5 * 1024 ** 3)).toBe('1.5 GiB');
  });

  it('says what each engine runs on, or why it cannot run', () => {
    expect(engineLine(onnx)).toBe('ONNX Runtime: CUDA not found on this machine — running on CPU');
    expect(engineLine({ ...onnx, detail: '' })).toBe('ONNX Runtime: running on cpu');
    expect(engineLine(tfjs)).toBe('TensorFlow.js: not available (tfjs-node is not installed)');
  });

  it('warns when the chosen engine cannot run here', () => {
    expect(engineProblem('onnx', info.engines)).toBeNull();
    expect(engineProblem('auto', info.engines)).toBeNull();
    expect(engineProblem('tfjs', info.engines)).toBe('tfjs is not available here: tfjs-node is not installed');
    expect(engineProblem('auto', [tfjs])).toBe('No engine is available on this machine.');
    expect(engineProblem('onnx', [tfjs])).toBe('This machine reports nothing about onnx.');
  });
});

import { describe, expect, it } from 'vitest';
import { describeChoice, passedOverWords } from '../../../main/settings/engine-probe';

describe('what each engine runs on, in words', () => {
  it('says an absent accelerator is not on this machine, as a fact rather than an error', () => {
    const cuda = { name: 'cuda', reason: 'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library' };
    expect(passedOverWords(cuda)).toBe('CUDA not found on this machine');
    expect(describeChoice('CPU', [cuda])).toBe('CUDA not found on this machine — running on CPU');
    expect(passedOverWords({ name: 'dml', reason: 'libdirectml.so: cannot open shared object file' })).toBe('DirectML not found on this machine');
  });

  it('names a package that is not installed, and keeps any other reason as it came', () => {
    expect(passedOverWords({ name: 'tfjs-node', reason: 'package not installed' })).toBe('tfjs-node not installed');
    expect(passedOverWords({ name: 'cuda', reason: 'CUDA error: out of memory' })).toBe('cuda: CUDA error: out of memory');
    expect(passedOverWords({ name: 'wasm threaded SIMD', reason: 'no SharedArrayBuffer' })).toBe('wasm threaded SIMD: no SharedArrayBuffer');
  });

  it('says only what runs when nothing was passed over', () => {
    expect(describeChoice('wasm backend, SIMD, 1 thread', [])).toBe('running on wasm backend, SIMD, 1 thread');
  });
});

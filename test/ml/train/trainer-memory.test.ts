import { describe, expect, it } from 'vitest';
import { isOutOfMemory, TrainingMemoryError, withMemoryAdvice } from '../../../ml/train/loop/memory';

const what = { arch: 'albunet', size: 1024, batchSize: 2 };

describe('running out of memory', () => {
  it('turns allocation failures into advice naming a smaller batch and size', async () => {
    const failure = withMemoryAdvice(what, async () => {
      throw new RangeError('Array buffer allocation failed');
    });
    await expect(failure).rejects.toBeInstanceOf(TrainingMemoryError);
    await expect(failure).rejects.toThrow(/out of memory training albunet at 1024x1024, batch 2 .*try --batch 1 or --size 512/);
  });

  it('recognises the WASM heap and libtensorflow messages, and leaves other errors alone', async () => {
    expect(isOutOfMemory(new Error('Aborted(OOM)'))).toBe(true);
    expect(isOutOfMemory(new Error('RuntimeError: memory access out of bounds'))).toBe(true);
    expect(isOutOfMemory(new Error('OOM when allocating tensor with shape[2,64,512,512]'))).toBe(true);
    expect(isOutOfMemory(new Error('Kernel Conv2DBackpropFilter not registered'))).toBe(false);
    const other = new Error('bad input');
    await expect(withMemoryAdvice(what, async () => Promise.reject(other))).rejects.toBe(other);
  });
});

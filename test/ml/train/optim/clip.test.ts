import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { clipByGlobalNorm } from '../../../../ml/train/optim';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('clipByGlobalNorm (torch.nn.utils.clip_grad_norm_)', () => {
  it('scales every gradient by max_norm/(norm + 1e-6), the norm taken over all of them together', () => {
    // Norm over both tensors: sqrt(1² + 2² + 2² + 4²) = sqrt(25) = 5; per tensor the norms would be sqrt(5), sqrt(20).
    const grads = [tf.tensor1d([1, 2]), tf.tensor2d([[2], [4]])];
    const { grads: clipped, norm } = clipByGlobalNorm(grads, 0.1);
    const scale = 0.1 / (5 + 1e-6);
    expect(norm.dataSync()[0]).toBeCloseTo(5, 6);
    const a = clipped[0].dataSync();
    const b = clipped[1].dataSync();
    expect(a[0]).toBeCloseTo(1 * scale, 8);
    expect(a[1]).toBeCloseTo(2 * scale, 8);
    expect(b[1]).toBeCloseTo(4 * scale, 8);
    expect(clipped[1].shape).toEqual([2, 1]);
    tf.dispose([...grads, ...clipped, norm]);
  });

  it('leaves gradients below the max norm exactly as they were', () => {
    const grads = [tf.tensor1d([0.03, -0.04])];
    const { grads: clipped, norm } = clipByGlobalNorm(grads, 0.1);
    expect(Array.from(clipped[0].dataSync())).toEqual(Array.from(grads[0].dataSync()));
    tf.dispose([...grads, ...clipped, norm]);
  });

  it('rejects a max norm that is not positive', () => {
    expect(() => clipByGlobalNorm([], 0)).toThrow(/positive max norm/);
  });
});

// A kernel written as a plain loop over the inputs' values, for gradients where a backend's own kernel is wrong
// and no composition of correct kernels exists. Runs on either backend the training kernels cover: the wasm
// backend's output is written straight into its heap, the CPU backend's is handed over as an array.
import * as tf from '@tensorflow/tfjs';
import type { KernelArgs } from './compose';

type LoopBackend = {
  readSync(dataId: object): tf.backend_util.BackendValues;
  makeTensorInfo?(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
  makeOutput?(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap?(info: tf.TensorInfo): Float32Array;
};

/**
 * `body` reads inputs with `read` and fills `out` (zeroed, `outShape(args)` elements, row-major) in place.
 */
export function loopKernel(
  outShape: (args: KernelArgs) => number[],
  body: (args: KernelArgs, read: (info: tf.TensorInfo) => Float32Array, out: Float32Array) => void,
): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as unknown as LoopBackend;
    const read = (info: tf.TensorInfo) => {
      const values = backend.readSync(info.dataId);
      if (!(values instanceof Float32Array)) throw new Error(`expected float32 values, got ${info.dtype}`);
      return values;
    };
    const shape = outShape(args);
    if (backend.makeOutput && backend.typedArrayFromHeap) {
      const info = backend.makeOutput(shape, 'float32');
      const out = backend.typedArrayFromHeap(info);
      out.fill(0);
      // `read` copies out of the heap without allocating on it, so `out` stays attached while body runs
      body(args, read, out);
      return info;
    }
    const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
    body(args, read, out);
    return backend.makeTensorInfo!(shape, 'float32', out);
  };
}

// Writing a kernel as a chain of the backend's own kernels, the way TF.js backends compose theirs internally:
// each step runs a registered kernel function directly (no engine bookkeeping, no gradient tape) and every
// intermediate it made is freed once the chain returns, whether it returned or threw.
import * as tf from '@tensorflow/tfjs';

export type KernelArgs = Parameters<tf.KernelFunc>[0];

export type Composer = {
  /** runs the named kernel of the same backend on tensor infos */
  run(kernelName: string, inputs: tf.NamedTensorInfoMap, attrs?: tf.NamedAttrMap): tf.TensorInfo;
  /** a small int32 constant on the backend (gather indices) */
  int32(values: number[]): tf.TensorInfo;
};

type ComposingBackend = {
  disposeData(dataId: object, force?: boolean): boolean;
  makeOutput(shape: number[], dtype: 'int32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Int32Array;
};

/** A kernel function made of other kernels of `backendName`; `body` returns the output. */
export function composedKernel(backendName: string, body: (args: KernelArgs, k: Composer) => tf.TensorInfo): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as ComposingBackend;
    const made: tf.TensorInfo[] = [];
    const k: Composer = {
      run(kernelName, inputs, attrs = {}) {
        const kernel = tf.getKernel(kernelName, backendName);
        if (!kernel) throw new Error(`Kernel '${kernelName}' not registered for backend '${backendName}'`);
        const out = kernel.kernelFunc({ inputs, attrs, backend: args.backend }) as tf.TensorInfo;
        made.push(out);
        return out;
      },
      int32(values) {
        const out = backend.makeOutput([values.length], 'int32');
        backend.typedArrayFromHeap(out).set(values);
        made.push(out);
        return out;
      },
    };
    let result: tf.TensorInfo | undefined;
    try {
      result = body(args, k);
      return result;
    } finally {
      // Views (Reshape) share their source's data with a reference count, so freeing every other intermediate
      // leaves the result's data alive.
      for (const info of made) if (info !== result) backend.disposeData(info.dataId);
    }
  };
}

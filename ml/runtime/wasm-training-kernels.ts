// The gradient kernels TF.js 4.22's wasm backend lacks and Pleura's models need to train there, written as
// compositions of the wasm backend's own (XNNPACK-backed) forward kernels, so no gradient runs in plain JS.
//
// Which kernels: a forward + backward pass of every architecture in ml/models on wasm failed on exactly these
// (Conv2DBackpropFilter for every model; the depthwise pair for the grouped convolutions of SE-ResNeXt).
// There is no ReluGrad here: TF.js 4.22 has no kernel of that name (tf.relu's gradient is Step times dy, and Step
// exists on wasm).
// Besides the missing ones, three existing gradient kernels are wrong, found by checking every op the models use
// against central finite differences (see the kernels' files): MaxPoolGrad on wasm, ResizeBilinearGrad on wasm
// and CPU (no half-pixel centres), ResizeNearestNeighborGrad on CPU. Their replacements are loops over the values.
import * as tf from '@tensorflow/tfjs';
// Registers the backend's own kernels, which these compose and one of which they wrap.
import '@tensorflow/tfjs-backend-wasm';
import {
  convolutionFilterGradient,
  convolutionInputGradient,
  depthwiseFilterGradient,
  depthwiseInputGradient,
} from './wasm-kernels/gradients';
import { maxPoolGradient } from './wasm-kernels/max-pool-gradient';
import { resizeBilinearGradient, resizeNearestNeighborGradient } from './wasm-kernels/resize-gradients';

/** The CPU backend's wrong resize gradients, replaced there too so CPU training and the wasm checks are right. */
const RESIZE_GRADIENTS: Record<string, tf.KernelFunc> = {
  ResizeBilinearGrad: resizeBilinearGradient,
  ResizeNearestNeighborGrad: resizeNearestNeighborGradient,
};

/** The kernels registered here, by TF.js kernel name, given the wasm backend's own where it has one. */
function trainingKernels(native: (name: string) => tf.KernelFunc): Record<string, tf.KernelFunc> {
  return {
    Conv2DBackpropFilter: convolutionFilterGradient,
    // wasm has this one, but as a plain loop: replaced where the maps are big enough to pay for XNNPACK.
    Conv2DBackpropInput: convolutionInputGradient(native('Conv2DBackpropInput')),
    DepthwiseConv2dNativeBackpropFilter: depthwiseFilterGradient,
    DepthwiseConv2dNativeBackpropInput: depthwiseInputGradient,
    MaxPoolGrad: maxPoolGradient,
    ...RESIZE_GRADIENTS,
  };
}

/** The kernel names registerWasmTrainingKernels sets. */
export const WASM_TRAINING_KERNEL_NAMES = Object.keys(trainingKernels(() => () => [] as tf.TensorInfo[]));

let registered = false;

/**
 * Registers the kernels on the 'wasm' backend (replacing its own where it has one) and the resize gradients on
 * the 'cpu' backend. Idempotent. Call it before training on any backend; inference is unaffected (these run only
 * in backward passes).
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  const native = (name: string) => {
    const kernel = tf.getKernel(name, 'wasm');
    if (!kernel) throw new Error(`the wasm backend has no ${name} kernel: is @tensorflow/tfjs-backend-wasm loaded?`);
    return kernel.kernelFunc;
  };
  const replace = (backendName: string, kernels: Record<string, tf.KernelFunc>) => {
    for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
      if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
      tf.registerKernel({ kernelName, backendName, kernelFunc });
    }
  };
  replace('wasm', trainingKernels(native));
  replace('cpu', RESIZE_GRADIENTS);
  registered = true;
}

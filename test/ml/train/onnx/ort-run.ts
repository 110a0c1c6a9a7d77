// Runs an ONNX model once on the CPU provider and returns its outputs as plain Float32Arrays with their dims: what
// the ONNX training tests compare against finite differences, TF.js and PyTorch.
import * as ort from 'onnxruntime-node';

export type Fed = { data: Float32Array; dims: readonly number[] };
export type Fetched = { data: Float32Array; dims: number[] };

export async function runOnnx(bytes: Uint8Array, feeds: Readonly<Record<string, Fed>>, threads = 1): Promise<Record<string, Fetched>> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: threads });
  try {
    const inputs = Object.fromEntries(
      Object.entries(feeds)
        .filter(([name]) => session.inputNames.includes(name))
        .map(([name, fed]) => [name, new ort.Tensor('float32', fed.data, [...fed.dims])]),
    );
    const results = await session.run(inputs);
    return Object.fromEntries(
      Object.entries(results).map(([name, tensor]) => [name, { data: Float32Array.from(tensor.data as Float32Array), dims: [...tensor.dims] }]),
    );
  } finally {
    await session.release();
  }
}

/**
 * The tensors a weights file holds, as plain typed arrays.
 * Floating point tensors (float16, bfloat16, float32, float64) arrive as Float32Array — the precision the runtimes
 * use. Integer and bool tensors arrive as BigInt64Array so int64 buffers such as BatchNorm's num_batches_tracked stay
 * exact. Two entries that are views of the same file storage may share one array (as they share memory in PyTorch).
 */
export type FloatDtype = 'float32' | 'float16' | 'bfloat16' | 'float64';
export type IntDtype = 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';
export type Dtype = FloatDtype | IntDtype;

export interface FloatTensor {
  dtype: FloatDtype;
  shape: number[];
  data: Float32Array;
}
export interface IntTensor {
  dtype: IntDtype;
  shape: number[];
  data: BigInt64Array;
}
export type StateTensor = FloatTensor | IntTensor;

/** Parameter and buffer name (PyTorch state_dict spelling) → tensor, in file order. */
export type StateDict = Map<string, StateTensor>;

export class StateDictReadError extends Error {
  override name = 'StateDictReadError';
}

export const BYTES_PER_ELEMENT: Record<Dtype, number> = {
  float32: 4, float16: 2, bfloat16: 2, float64: 8,
  int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

export function isFloatDtype(dtype: Dtype): dtype is FloatDtype {
  return dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16' || dtype === 'float64';
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = step;
    step *= shape[i];
  }
  return strides;
}

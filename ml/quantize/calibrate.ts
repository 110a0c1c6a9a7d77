// Calibration: runs the fp32 graph on each calibration image and folds the planned tensors into their keys' running
// statistics. Declared as graph outputs, tensors cost their full size in every run, fetched or not (onnxruntime
// keeps no memory for them in common: AlbuNet at 1024 peaked at 4.7 GB with its 84 tensors declared, 1.3 GB without),
// so: min and max alone are reduced inside the graph, one scalar each; histograms need the tensors themselves, which
// come out a group at a time, one session per group.
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { attribute, type INodeProto, type IValueInfoProto } from '../io/onnx-builder';
import { sessionOptions } from '../runtime/onnx-engine';
import { abortError } from './abort';
import { TensorStats } from './ranges';

const { onnx } = onnxProto;

export type CalibrationImage = { data: Float32Array; height: number; width: number };

export type CalibrationOptions = {
  /** calibrated tensors by ONNX value name → the key whose statistics they feed */
  tensors: ReadonlyMap<string, string>;
  /** false: min and max only (one run per image); true: histograms too, a run per image and group */
  histograms: boolean;
  /** the tensors to fetch together at this input size, at most, for histograms */
  fetchGroups: (height: number, width: number) => readonly (readonly string[])[];
  threads: number;
  /** over image runs: the images, or the images times the groups with histograms */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
};

export async function calibrate(
  model: onnxProto.onnx.IModelProto,
  images: readonly CalibrationImage[],
  options: CalibrationOptions,
): Promise<Map<string, TensorStats>> {
  const stats = new Map<string, TensorStats>();
  for (const key of new Set(options.tensors.values())) stats.set(key, new TensorStats());
  // onnxruntime fixes its log level at the process's first session; this may be it, and the onnx engine wants it
  // 'fatal' (see onnx-engine.ts).
  ort.env.logLevel = 'fatal';
  const fold = (name: string, image: number, add: (s: TensorStats) => void) => {
    try {
      add(stats.get(options.tensors.get(name)!)!);
    } catch (error) {
      throw new Error(`calibration image ${image + 1}, tensor ${name}: ${(error as Error).message}`);
    }
  };
  if (!options.histograms) {
    const names = [...options.tensors.keys()];
    await runAll(withExtremes(model, names), images, options, 0, 1, (outputs, image) => {
      for (const name of names) fold(name, image, (s) => s.addExtremes(scalar(outputs[`${name}:min`]), scalar(outputs[`${name}:max`])));
    });
    return stats;
  }
  const largest = images.reduce((a, b) => (a.height * a.width >= b.height * b.width ? a : b));
  const groups = options.fetchGroups(largest.height, largest.width);
  for (const [index, group] of groups.entries()) {
    await runAll(withOutputs(model, group), images, options, index, groups.length, (outputs, image) => {
      for (const name of group) fold(name, image, (s) => s.add(outputs[name].data as Float32Array));
    });
  }
  return stats;
}

/** One session on `bytes`, run on every image in turn. */
async function runAll(
  bytes: Uint8Array,
  images: readonly CalibrationImage[],
  options: CalibrationOptions,
  pass: number,
  passes: number,
  use: (outputs: ort.InferenceSession.OnnxValueMapType, image: number) => void,
): Promise<void> {
  const session = await ort.InferenceSession.create(bytes, sessionOptions('cpu', options.threads));
  try {
    for (const [index, image] of images.entries()) {
      if (options.signal?.aborted) throw abortError();
      use(await session.run({ image: new ort.Tensor('float32', image.data, [1, 3, image.height, image.width]) }), index);
      options.onProgress?.(pass * images.length + index + 1, passes * images.length);
    }
  } finally {
    await session.release();
  }
}

/** The model with `${value}:min` and `${value}:max` outputs, scalars reduced over all of each value. */
function withExtremes(model: onnxProto.onnx.IModelProto, values: readonly string[]): Uint8Array {
  const reductions: INodeProto[] = values.flatMap((value) =>
    (['min', 'max'] as const).map((end) => ({
      opType: end === 'min' ? 'ReduceMin' : 'ReduceMax',
      input: [value],
      output: [`${value}:${end}`],
      name: `calibration_${end}:${value}`,
      attribute: [attribute('keepdims', 0)],
    })),
  );
  return withOutputs(model, reductions.map((n) => n.output![0]), reductions);
}

/** The model's bytes with these values declared as float outputs (shape left to onnxruntime), after `nodes`. */
function withOutputs(model: onnxProto.onnx.IModelProto, values: readonly string[], nodes: readonly INodeProto[] = []): Uint8Array {
  const extra: IValueInfoProto[] = values.map((name) => ({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } }));
  const graph = { ...model.graph, node: [...(model.graph?.node ?? []), ...nodes], output: [...(model.graph?.output ?? []), ...extra] };
  return onnx.ModelProto.encode({ ...model, graph }).finish();
}

function scalar(value: ort.OnnxValue): number {
  return (value as ort.Tensor).data[0] as number;
}

// Gradient checks for the ONNX backward pass: compiles a graph's training-mode forward and its backward for the
// loss L = Σ_outputs Σ out·R (a fixed random R per output, fed as the seeds), and compares the gradients with
// central differences of the same forward pass run by onnxruntime.
import * as ort from 'onnxruntime-node';
import { OnnxGraphBuilder } from '../../../../ml/io/onnx-builder';
import { usedParamNames, type GraphIR } from '../../../../ml/models';
import { Rng } from '../../../../ml/random';
import { emitGradients } from '../../../../ml/train/onnx/backward';
import type { TrainingSetup } from '../../../../ml/train/onnx/contract';
import { emitTrainingForward } from '../../../../ml/train/onnx/forward';
import { randomWeights } from '../../models/random-weights';

export type Size = { batch: number; height: number; width: number };

export type ProblemOptions = {
  /** default: every parameter a node reads trains, no BatchNorm is frozen */
  setup?: TrainingSetup;
  /** default: standard normal */
  image?: Float32Array;
  /** default: randomWeights(graph, seed) */
  weights?: ReadonlyMap<string, Float32Array>;
  /** also differentiate with respect to the image (its gradient is `image` in gradients()) */
  wrtImage?: boolean;
  seed?: number;
};

/** Every parameter a node reads trains and no BatchNorm is frozen, unless the overrides say otherwise. */
export function fullSetup(graph: GraphIR, overrides: Partial<TrainingSetup> = {}): TrainingSetup {
  const used = usedParamNames(graph);
  const trainable = new Set(graph.params.filter((p) => p.role === 'parameter' && used.has(p.name)).map((p) => p.name));
  return { trainable, frozenBatchNorm: new Set(), ...overrides };
}

export function randomArray(count: number, rng: Rng, scale = 1): Float32Array {
  return Float32Array.from({ length: count }, () => rng.normal() * scale);
}

const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all', intraOpNumThreads: 1 };
const GRAD_PREFIX = 'grad:';

/** The compiled pair: the forward pass alone (for the differences) and forward + backward (for the gradients). */
export class GradientProblem {
  private constructor(
    readonly graph: GraphIR,
    /** image and every parameter and buffer, as fed */
    readonly feeds: Readonly<Record<string, ort.Tensor>>,
    private readonly forwardModel: Uint8Array,
    private readonly backwardSession: ort.InferenceSession,
    /** output name → R */
    private readonly seeds: Map<string, ort.Tensor>,
    /** the ONNX nodes the backward pass added */
    readonly backwardNodes: readonly { opType?: string | null; input?: string[] | null }[],
  ) {}

  private forwardSession: ort.InferenceSession | null = null;

  static async create(graph: GraphIR, size: Size, options: ProblemOptions = {}): Promise<GradientProblem> {
    const setup = options.setup ?? fullSetup(graph);
    const seed = options.seed ?? 1;
    const weights = options.weights ?? randomWeights(graph, seed);
    const imageDims = [size.batch, graph.inputs[0].channels, size.height, size.width];
    const image = options.image ?? randomArray(imageDims.reduce((p, d) => p * d, 1), new Rng(seed));
    // R has its own generator: the same seed gives the same R whether or not the image was given.
    const rng = new Rng(seed ^ 0x5eed);

    const forwardOnly = new OnnxGraphBuilder();
    const forward = emitTrainingForward(forwardOnly, graph, size, setup);
    for (const o of graph.outputs) {
      forwardOnly.output(forwardOnly.op('Identity', [forward.outputs.get(o.name)!], {}, { name: `out:${o.name}` }), [...forward.shapes.get(o.value)!]);
    }

    const b = new OnnxGraphBuilder();
    const fwd = emitTrainingForward(b, graph, size, setup);
    const seeds = new Map<string, ort.Tensor>();
    const seedValues = new Map<string, string>();
    for (const o of graph.outputs) {
      const shape = fwd.shapes.get(o.value)!;
      seeds.set(o.name, new ort.Tensor('float32', randomArray(shape.reduce((p, d) => p * d, 1), rng), [...shape]));
      seedValues.set(fwd.outputs.get(o.name)!, b.input(`seed:${o.name}`, [...shape]));
    }
    const before = b.nodes.length;
    const wrt = options.wrtImage ? [graph.inputs[0].name] : [];
    const grads = emitGradients(b, graph, fwd, seedValues, setup, wrt);
    const backwardNodes = b.nodes.slice(before);
    const shapes = new Map(graph.params.map((p) => [p.name, p.shape]));
    for (const [name, grad] of grads.params) b.output(b.op('Identity', [grad], {}, { name: `${GRAD_PREFIX}${name}` }), [...shapes.get(name)!]);
    for (const grad of grads.values.values()) b.output(b.op('Identity', [grad], {}, { name: `${GRAD_PREFIX}image` }), imageDims);

    const feeds: Record<string, ort.Tensor> = { image: new ort.Tensor('float32', image, imageDims) };
    for (const p of graph.params) feeds[p.name] = new ort.Tensor('float32', weights.get(p.name)!, [...p.shape]);
    const backwardSession = await ort.InferenceSession.create(b.model('backward'), SESSION_OPTIONS);
    return new GradientProblem(graph, feeds, forwardOnly.model('forward'), backwardSession, seeds, backwardNodes);
  }

  /** The backward pass's gradients by parameter name (and `image`). */
  async gradients(): Promise<Map<string, Float32Array>> {
    const feeds = this.feedsFor(this.backwardSession);
    for (const [name, r] of this.seeds) feeds[`seed:${name}`] = r;
    const results = await this.backwardSession.run(feeds);
    return new Map(
      Object.entries(results)
        .filter(([name]) => name.startsWith(GRAD_PREFIX))
        .map(([name, t]) => [name.slice(GRAD_PREFIX.length), Float32Array.from(t.data as Float32Array)]),
    );
  }

  /** R per output, as the seeds. */
  seed(output: string): Float32Array {
    return this.seeds.get(output)!.data as Float32Array;
  }

  /** Replaces R for one output (a loss's gradient with respect to it, say). */
  setSeed(output: string, values: Float32Array): void {
    const current = this.seeds.get(output)!;
    if (values.length !== current.size) throw new Error(`seed for ${output}: ${values.length} values, expected ${current.size}`);
    this.seeds.set(output, new ort.Tensor('float32', values, current.dims));
  }

  /** The forward pass's outputs, with the feed `name` replaced by `value`. */
  async outputs(name?: string, value?: Float32Array): Promise<Map<string, Float32Array>> {
    this.forwardSession ??= await ort.InferenceSession.create(this.forwardModel, SESSION_OPTIONS);
    const feeds = this.feedsFor(this.forwardSession);
    if (name) feeds[name] = new ort.Tensor('float32', value!, this.feeds[name].dims);
    const results = await this.forwardSession.run(feeds);
    return new Map(this.graph.outputs.map((o) => [o.name, results[`out:${o.name}`].data as Float32Array]));
  }

  /** L = Σ out·R in float64, with the feed `name` replaced by `value`. */
  async loss(name?: string, value?: Float32Array): Promise<number> {
    let sum = 0;
    for (const [output, values] of await this.outputs(name, value)) {
      const r = this.seed(output);
      for (let i = 0; i < r.length; i++) sum += values[i] * r[i];
    }
    return sum;
  }

  /**
   * (L(θ + h·d) − L(θ − h·d)) / 2h for the feed `name` along `direction`, and the step actually taken,
   * (θ⁺ − θ⁻) / 2h after θ ± h·d are rounded to float32: the vector the gradient is to be dotted with.
   */
  async centralDifference(name: string, direction: Float32Array, h: number): Promise<{ difference: number; step: Float64Array }> {
    const theta = this.feeds[name].data as Float32Array;
    const plus = Float32Array.from(theta, (v, i) => v + h * direction[i]);
    const minus = Float32Array.from(theta, (v, i) => v - h * direction[i]);
    const difference = ((await this.loss(name, plus)) - (await this.loss(name, minus))) / (2 * h);
    return { difference, step: Float64Array.from(plus, (v, i) => (v - minus[i]) / (2 * h)) };
  }

  async release(): Promise<void> {
    await this.forwardSession?.release();
    await this.backwardSession.release();
  }

  private feedsFor(session: ort.InferenceSession): Record<string, ort.Tensor> {
    return Object.fromEntries(Object.entries(this.feeds).filter(([name]) => session.inputNames.includes(name)));
  }
}

/**
 * A derivative by central differences next to the backward pass's, and the scale an error is measured against:
 * along a random direction d ~ N(0, I), g·d has standard deviation ‖g‖, and a gradient off by e moves it by e·d,
 * of size ‖e‖; along one coordinate the scale is the gradient's RMS entry.
 */
export type Comparison = { finiteDifference: number; analytic: number; scale: number };

/** The derivative of L with respect to the feed `name` along one random direction and a few single coordinates. */
export async function compareWithFiniteDifferences(
  problem: GradientProblem,
  grads: ReadonlyMap<string, Float32Array>,
  name: string,
  options: { h: number; coordinates: number; seed?: number },
): Promise<Comparison[]> {
  const grad = grads.get(name);
  if (!grad) throw new Error(`no gradient for ${name}`);
  const rng = new Rng(options.seed ?? 7);
  const norm = Math.sqrt(grad.reduce((sum, g) => sum + g * g, 0));
  const compare = async (direction: Float32Array, scale: number): Promise<Comparison> => {
    const { difference, step } = await problem.centralDifference(name, direction, options.h);
    return { finiteDifference: difference, analytic: grad.reduce((sum, g, i) => sum + g * step[i], 0), scale };
  };
  const comparisons = [await compare(randomArray(grad.length, rng), norm)];
  for (let k = 0; k < options.coordinates; k++) {
    const unit = new Float32Array(grad.length);
    unit[rng.int(grad.length)] = 1;
    comparisons.push(await compare(unit, norm / Math.sqrt(grad.length)));
  }
  return comparisons;
}

/** The largest |finite difference − analytic| / scale. */
export function worstError(comparisons: readonly Comparison[]): number {
  return Math.max(...comparisons.map((c) => Math.abs(c.finiteDifference - c.analytic) / c.scale));
}

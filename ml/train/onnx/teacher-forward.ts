// The mean teacher's forward pass on onnxruntime: the model's training-forward emission with every BatchNorm on its
// running statistics (eval mode), and every parameter and buffer a graph input, so one compiled session runs
// whatever weights it is handed — the exponential average, which changes after every step — without re-exporting.
import * as ort from 'onnxruntime-node';
import { OnnxGraphBuilder } from '../../io/onnx-builder';
import { usedParamNames, type ModelDefinition } from '../../models';
import { sessionOptions } from '../../runtime/onnx-engine';
import { emitTrainingForward } from './forward';

export class TeacherForward {
  private readonly sessions = new Map<number, ort.InferenceSession>();
  private readonly used: string[];

  constructor(
    private readonly definition: ModelDefinition,
    private readonly size: { height: number; width: number },
    private readonly runtime: { provider: string; threads: number },
  ) {
    const used = usedParamNames(definition.graph);
    this.used = definition.graph.params.filter((p) => used.has(p.name)).map((p) => p.name);
  }

  /** σ(logits) of `weights` on `images` (NCHW [n, 3, h, w], normalised): [n·h·w]. */
  async probabilities(weights: ReadonlyMap<string, Float32Array>, images: Float32Array, n: number): Promise<Float32Array> {
    const { height: h, width: w } = this.size;
    if (images.length !== n * 3 * h * w) throw new Error(`the teacher takes [${n},3,${h},${w}] images`);
    const session = await this.sessionFor(n);
    const shapes = new Map(this.definition.graph.params.map((p) => [p.name, p.shape]));
    const feeds: Record<string, ort.Tensor> = { image: new ort.Tensor('float32', images, [n, 3, h, w]) };
    for (const name of this.used) {
      const values = weights.get(name);
      if (!values) throw new Error(`the teacher has no weights for ${name}`);
      feeds[name] = new ort.Tensor('float32', values, [...shapes.get(name)!]);
    }
    const logits = (await session.run(feeds)).logits_out.data as Float32Array;
    // The step's own σ (1/(1 + e⁻ˣ)), so teacher and student probabilities are computed alike.
    return logits.map((x) => 1 / (1 + Math.exp(-x)));
  }

  async release(): Promise<void> {
    for (const session of this.sessions.values()) await session.release();
    this.sessions.clear();
  }

  private async sessionFor(n: number): Promise<ort.InferenceSession> {
    const known = this.sessions.get(n);
    if (known) return known;
    const { graph } = this.definition;
    const b = new OnnxGraphBuilder();
    const frozenBatchNorm = new Set(graph.nodes.flatMap((node) => (node.op === 'batchNorm' ? [node.weight] : [])));
    const forward = emitTrainingForward(b, graph, { batch: n, ...this.size }, { trainable: new Set(), frozenBatchNorm });
    const logits = forward.outputs.get('logits');
    if (!logits) throw new Error(`${this.definition.metadata.arch} has no logits output`);
    b.output(b.op('Identity', [logits], {}, { name: 'logits_out' }), [n, 1, this.size.height, this.size.width]);
    const session = await ort.InferenceSession.create(b.model(`${this.definition.metadata.arch}-teacher`), sessionOptions(this.runtime.provider, this.runtime.threads));
    this.sessions.set(n, session);
    return session;
  }
}

// The onnx engine: onnxruntime-node on the model's ONNX graph, on the best execution provider this machine has.
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { exportOnnx } from '../io/onnx-export';
import type { ModelDefinition } from '../models';
import { checkBatch, hasClassifier, reasonOf, type Engine, type EngineDescription, type EngineModel, type EngineOutput, type SkippedOption } from './engine';

export type OnnxEngineOptions = {
  /** intra-op threads; default every core (os.availableParallelism()) */
  threads?: number;
  /** execution providers to try, in order; default providerChain() for this machine */
  providers?: readonly string[];
};

/** Accelerators by platform, best first; the CPU provider always ends the chain. */
const ACCELERATORS: readonly { name: string; platforms: readonly NodeJS.Platform[] }[] = [
  { name: 'cuda', platforms: ['linux', 'win32'] },
  { name: 'dml', platforms: ['win32'] },
  { name: 'coreml', platforms: ['darwin'] },
];

/** The providers worth trying here: the accelerators onnxruntime-node lists for this platform, then the CPU. */
export function providerChain(platform: NodeJS.Platform, listed: readonly string[]): string[] {
  const available = new Set(listed);
  return [...ACCELERATORS.filter((a) => a.platforms.includes(platform) && available.has(a.name)).map((a) => a.name), 'cpu'];
}

export async function loadOnnxEngine(model: EngineModel, options: OnnxEngineOptions = {}): Promise<Engine> {
  const source = model.onnx ?? exportFromWeights(model);
  const threads = options.threads ?? availableParallelism();
  const providers = options.providers ?? providerChain(process.platform, ort.listSupportedBackends().map((b) => b.name));
  const skipped: SkippedOption[] = [];
  // onnxruntime logs every accelerator library it cannot load to stderr; that is expected on most machines and
  // reported through describe(). Its real failures arrive as exceptions. Takes effect before the first session.
  ort.env.logLevel = 'fatal';
  for (const provider of providers) {
    try {
      const session = await createSession(source, provider, threads);
      return new OnnxEngine(model.definition, session, { engine: 'onnx', backend: provider, threads, skipped });
    } catch (error) {
      if (provider === providers[providers.length - 1]) throw error;
      skipped.push({ name: provider, reason: reasonOf(error) });
    }
  }
  throw new Error('no onnxruntime execution provider to try');
}

function exportFromWeights({ definition, weights }: EngineModel): Uint8Array {
  if (!weights) throw new Error(`the ${definition.metadata.arch} model has neither an ONNX graph nor weights to export one from`);
  return exportOnnx(definition, weights);
}

/** The engine's session options; the bench builds its bare session with them too, so only Pleura's work differs. */
export function sessionOptions(provider: string, threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Memory, measured on AlbuNet nf 32 at 1024, batch 1, CPU provider (2 cores). Whole graph: onnxruntime's CPU
    // arena keeps every intermediate it ever allocated (peak 3.3 GB with arena and memory pattern on; 2.1 GB with the
    // arena but no pattern; 1.75 GB without the arena). The export now runs the full-resolution tail in row strips
    // (ml/io/onnx-row-strips.ts): 1.0 GB with the arena, 0.93 GB without. The arena is worth those 75 MB: without it
    // every run mallocs and frees its intermediates, and the engine's pass (in a worker thread) measured 11% slower
    // at 512 than the same session on the main thread, interleaved, in two bench runs; with it, even (0.98).
    // The memory pattern (one block planned for the whole run) saves nothing further and holds the block.
    // Optimisation level 'extended' or 'basic' (no NCHWc layout) peaks 250 MB lower but ran 1.7-2x as long.
    enableCpuMemArena: true,
    enableMemPattern: false,
    // onnxruntime's idle intra-op threads spin for work by default; between runs they then take the cores that
    // decoding the next image and post-processing the last one need.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

function createSession(source: string | Uint8Array, provider: string, threads: number): Promise<ort.InferenceSession> {
  const options = sessionOptions(provider, threads);
  // The overloads take a path or bytes, not their union.
  return typeof source === 'string' ? ort.InferenceSession.create(source, options) : ort.InferenceSession.create(source, options);
}

class OnnxEngine implements Engine {
  private released = false;
  private readonly running = new Set<Promise<ort.InferenceSession.ReturnType>>();

  constructor(
    private readonly definition: ModelDefinition,
    private readonly session: ort.InferenceSession,
    private readonly description: EngineDescription,
  ) {}

  async predict(batch: Float32Array, n: number, h: number, w: number): Promise<EngineOutput> {
    if (this.released) throw new Error(`the ${this.definition.metadata.arch} onnx engine was disposed`);
    checkBatch(this.definition, batch, n, h, w);
    const channels = this.definition.graph.inputs[0].channels;
    const run = this.session.run({ image: new ort.Tensor('float32', batch, [n, channels, h, w]) });
    this.running.add(run);
    const outputs = await run.finally(() => this.running.delete(run));
    const logits = outputs.logits.data as Float32Array;
    const clsLogits = hasClassifier(this.definition) ? (outputs.cls_logit.data as Float32Array) : undefined;
    return clsLogits ? { logits, clsLogits } : { logits };
  }

  describe(): EngineDescription {
    return { ...this.description, skipped: [...this.description.skipped] };
  }

  /**
   * Waits for the runs in flight first: onnxruntime-node finishes a run on its own threads and then calls back into
   * the thread that started it, so releasing the session under a run, or ending that worker thread before the run
   * comes back, aborts the whole process ("terminate called after throwing an instance of 'Napi::Error'"; an
   * inference worker disposed during a predict did so, as closing the app in the middle of a triage batch does).
   */
  async dispose(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await Promise.allSettled(this.running);
    await this.session.release();
  }
}

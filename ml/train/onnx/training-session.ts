// Runs compiled training steps on onnxruntime-node and keeps the model's state between them. Parameters, running
// statistics and optimiser state live in two sets of Float32Arrays: a step reads one set and onnxruntime writes the
// updated values straight into the other's buffers (preallocated outputs), then the sets swap. Nothing is copied
// per step on the CPU provider; frozen tensors are read in place.
import * as ort from 'onnxruntime-node';
import type { ModelDefinition } from '../../models';
import type { SkippedOption } from '../../runtime/engine';
import { reasonOf } from '../../runtime/engine';
import { sessionOptions } from '../../runtime/onnx-engine';
import type { LossSpec } from '../losses';
import type { OptimState } from '../optim';
import { optimizerStateNames, type CompiledStep, type OptimizerSpec, type TrainingSetup } from './contract';
import { compileTrainingStep } from './step-graph';

export type OnnxTrainingOptions = {
  setup: TrainingSetup;
  loss: LossSpec;
  optimizer: OptimizerSpec;
  clipNorm: number | null;
  height: number;
  width: number;
  /** execution providers, best first; the first that creates a session is used */
  providers: readonly string[];
  threads: number;
};

export type StepResult = { loss: number; gradNorm: number | null };

/** The mean teacher's part of a step: the teacher's probabilities on the unlabelled images and the term's weight. */
export type ConsistencyFeed = { unlabelled: number; softTargets: Float32Array; weight: number };

type Compiled = { step: CompiledStep; session: ort.InferenceSession; provider: string };

/** Tensor sets a step reads from and writes to; `current` holds the model between steps. */
type Slots = { current: Map<string, Float32Array>; next: Map<string, Float32Array> };

export class OnnxTrainingSession {
  /** the 1-based number of optimiser updates done (torch's per-parameter `step`; every trainable tensor steps together) */
  private updates = 0;
  private readonly compiled = new Map<string, Compiled>();
  private readonly slots: Slots;
  private readonly skipped: SkippedOption[] = [];
  private readonly shapes: ReadonlyMap<string, readonly number[]>;
  private provider: string | null = null;
  private released = false;

  private constructor(
    private readonly definition: ModelDefinition,
    private readonly options: OnnxTrainingOptions,
    weights: ReadonlyMap<string, Float32Array>,
  ) {
    const current = new Map<string, Float32Array>();
    for (const spec of definition.graph.params) {
      const values = weights.get(spec.name);
      if (!values) throw new Error(`no weights for ${spec.name}`);
      current.set(spec.name, Float32Array.from(values));
    }
    this.slots = { current, next: new Map() };
    this.shapes = new Map(definition.graph.params.map((p) => [p.name, p.shape]));
  }

  /** Compiles the step for `batch` and starts onnxruntime on the first provider that takes it. */
  static async create(definition: ModelDefinition, weights: ReadonlyMap<string, Float32Array>, options: OnnxTrainingOptions, batch: number): Promise<OnnxTrainingSession> {
    const session = new OnnxTrainingSession(definition, options, weights);
    await session.compiledFor(batch);
    return session;
  }

  /** The provider running the steps ('cuda', 'cpu') and what was passed over on the way. */
  describe(): { provider: string; skipped: SkippedOption[] } {
    return { provider: this.provider ?? 'none', skipped: [...this.skipped] };
  }

  get optimizerSteps(): number {
    return this.updates;
  }

  /**
   * One optimiser step on a batch: `images` NCHW [n + u, 3, h, w] already normalised (the u unlabelled images of
   * `consistency` after the n labelled ones), `targets` [n, 1, h, w] 0/1.
   */
  async step(images: Float32Array, targets: Float32Array, n: number, lr: number, consistency?: ConsistencyFeed): Promise<StepResult> {
    this.assertAlive();
    const u = consistency?.unlabelled ?? 0;
    const { step, session } = await this.compiledFor(n, u);
    const { height: h, width: w } = step;
    if (images.length !== (n + u) * 3 * h * w || targets.length !== n * h * w) throw new Error(`a step takes [${n + u},3,${h},${w}] images and [${n},1,${h},${w}] targets`);
    if (!(lr >= 0) || !Number.isFinite(lr)) throw new RangeError(`the learning rate must be a finite number ≥ 0, got ${lr}`);
    const t = this.updates + 1;
    const feeds: Record<string, ort.Tensor> = {
      image: new ort.Tensor('float32', images, [n + u, 3, h, w]),
      target: new ort.Tensor('float32', targets, [n, 1, h, w]),
      ...this.scalarFeeds(step.optimizer, lr, t),
    };
    if (consistency) {
      if (consistency.softTargets.length !== u * h * w) throw new Error(`the soft targets must be [${u},1,${h},${w}]`);
      if (!(consistency.weight >= 0) || !Number.isFinite(consistency.weight)) throw new RangeError(`the consistency weight must be a finite number ≥ 0, got ${consistency.weight}`);
      feeds.soft_target = new ort.Tensor('float32', consistency.softTargets, [u, 1, h, w]);
      feeds.consistency_weight = new ort.Tensor('float32', Float32Array.of(consistency.weight), []);
    }
    const fetches: Record<string, ort.Tensor> = {};
    const updated: string[] = [];
    for (const name of [...step.trainable, ...step.constants, ...step.buffers]) feeds[name] = this.tensor(this.slots.current, name);
    for (const name of step.trainable) {
      for (const state of optimizerStateNames[step.optimizer.kind]) feeds[`${name}:${state}`] = this.tensor(this.slots.current, `${name}:${state}`);
      for (const key of [name, ...optimizerStateNames[step.optimizer.kind].map((state) => `${name}:${state}`)]) {
        fetches[`${key}:next`] = this.tensor(this.slots.next, key);
        updated.push(key);
      }
    }
    for (const name of step.buffers) {
      fetches[`${name}:next`] = this.tensor(this.slots.next, name);
      updated.push(name);
    }
    const results = await session.run(feeds, { ...fetches, loss: null, ...(step.clipNorm !== null ? { grad_norm: null } : {}) } as ort.InferenceSession.FetchesType);
    for (const key of updated) {
      const fresh = this.slots.next.get(key)!;
      this.slots.next.set(key, this.slots.current.get(key)!);
      this.slots.current.set(key, fresh);
    }
    this.updates = t;
    const loss = (results.loss.data as Float32Array)[0];
    const gradNorm = step.clipNorm !== null ? (results.grad_norm.data as Float32Array)[0] : null;
    return { loss, gradNorm };
  }

  /** Copies of every parameter and buffer, by state_dict name. */
  weights(): Map<string, Float32Array> {
    return new Map(this.definition.graph.params.map((p) => [p.name, Float32Array.from(this.slots.current.get(p.name)!)]));
  }

  /** The live parameters and buffers, uncopied: valid until the next step or load. */
  weightViews(): ReadonlyMap<string, Float32Array> {
    return new Map(this.definition.graph.params.map((p) => [p.name, this.slots.current.get(p.name)!]));
  }

  /** Replaces parameters and buffers (a stage that starts from the best checkpoint so far). */
  loadWeights(weights: ReadonlyMap<string, Float32Array>): void {
    for (const spec of this.definition.graph.params) {
      const values = weights.get(spec.name);
      const own = this.slots.current.get(spec.name)!;
      if (!values || values.length !== own.length) throw new Error(`the weights for ${spec.name} are missing or have another size`);
      own.set(values);
    }
  }

  /** The optimiser's state in the checkpoint format the TF.js trainer writes (moments by state_dict name). */
  optimizerState(): OptimState {
    const kind = this.options.optimizer.kind;
    const entries: OptimState['entries'] = {};
    if (this.updates === 0) return { kind, entries } as OptimState;
    for (const name of this.trainableNames()) {
      const shape = [...this.shapes.get(name)!];
      const copy = (state: string) => Float32Array.from(this.slots.current.get(`${name}:${state}`)!);
      entries[name] = kind === 'adam' ? { step: this.updates, shape, m: copy('m'), v: copy('v') } : { step: this.updates, shape, momentum: copy('momentum') };
    }
    return { kind, entries } as OptimState;
  }

  /** Continues from a saved optimiser state exactly; checked whole before anything changes. */
  importOptimizerState(state: OptimState): void {
    const kind = this.options.optimizer.kind;
    if (state.kind !== kind) throw new Error(`the saved optimiser state is ${state.kind}, this run uses ${kind}`);
    const names = this.trainableNames();
    const entries = Object.entries(state.entries);
    if (entries.length === 0) return;
    const steps = new Set(entries.map(([, entry]) => entry.step));
    if (steps.size !== 1) throw new Error(`the saved optimiser state mixes step counts (${[...steps].join(', ')}); this engine steps every tensor together`);
    for (const name of names) if (!(name in state.entries)) throw new Error(`the saved optimiser state lacks "${name}"`);
    for (const [name, entry] of entries) {
      if (!names.includes(name)) throw new Error(`the saved optimiser state holds "${name}", which this run does not train`);
      for (const key of optimizerStateNames[kind]) {
        const values = (entry as unknown as Record<string, Float32Array>)[key];
        if (!values || values.length !== this.slots.current.get(name)!.length) throw new Error(`the saved ${key} of "${name}" has the wrong size`);
      }
    }
    for (const [name, entry] of entries) {
      for (const key of optimizerStateNames[kind]) this.slots.current.set(`${name}:${key}`, Float32Array.from((entry as unknown as Record<string, Float32Array>)[key]));
    }
    this.updates = [...steps][0];
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    for (const { session } of this.compiled.values()) await session.release();
    this.compiled.clear();
  }

  private trainableNames(): string[] {
    const first = this.compiled.values().next().value;
    if (!first) throw new Error('no training step has been compiled');
    return [...first.step.trainable];
  }

  /** Steps are compiled per batch size: an epoch's last, smaller batch gets its own graph. */
  private async compiledFor(batch: number, unlabelled = 0): Promise<Compiled> {
    const key = `${batch}+${unlabelled}`;
    const known = this.compiled.get(key);
    if (known) return known;
    const step = compileTrainingStep(this.definition, { ...this.options, batch, ...(unlabelled > 0 ? { consistency: { unlabelled } } : {}) });
    // onnxruntime logs every accelerator library it cannot load; that is expected and reported through describe().
    ort.env.logLevel = 'fatal';
    const providers = this.provider ? [this.provider] : this.options.providers;
    for (const provider of providers) {
      try {
        // The inference engine's options: its memory pattern off mattered most here. AlbuNet, batch 2: with the
        // pattern on a step at 512 peaked at 9.1 GB and ran 0.066 images/s; off, 5.6 GB and 0.134. The CPU arena
        // off as well gave 5.0 GB, but 0.099 at 512 and 0.33 instead of 0.46 images/s at 256.
        const session = await ort.InferenceSession.create(step.bytes, sessionOptions(provider, this.options.threads));
        this.provider = provider;
        const compiled = { step, session, provider };
        this.compiled.set(key, compiled);
        this.allocateState(step);
        return compiled;
      } catch (error) {
        if (provider === providers[providers.length - 1]) throw error;
        this.skipped.push({ name: provider, reason: reasonOf(error) });
      }
    }
    throw new Error('no onnxruntime execution provider to try');
  }

  /** Zeroed optimiser state for a fresh run, and the second set of buffers every updated tensor is written into. */
  private allocateState(step: CompiledStep): void {
    const { current, next } = this.slots;
    for (const name of step.trainable) {
      const size = current.get(name)!.length;
      for (const state of optimizerStateNames[step.optimizer.kind]) {
        const key = `${name}:${state}`;
        if (!current.has(key)) current.set(key, new Float32Array(size));
        if (!next.has(key)) next.set(key, new Float32Array(size));
      }
      if (!next.has(name)) next.set(name, new Float32Array(size));
    }
    for (const name of step.buffers) if (!next.has(name)) next.set(name, new Float32Array(current.get(name)!.length));
  }

  private scalarFeeds(optimizer: OptimizerSpec, lr: number, t: number): Record<string, ort.Tensor> {
    const scalar = (value: number) => new ort.Tensor('float32', Float32Array.of(value), []);
    if (optimizer.kind === 'adam') {
      // torch computes both corrections in double precision on the host.
      const [beta1, beta2] = optimizer.betas;
      return { lr: scalar(lr), adam_step_size: scalar(lr / (1 - beta1 ** t)), adam_correction2_sqrt: scalar(Math.sqrt(1 - beta2 ** t)) };
    }
    return { lr: scalar(lr), sgd_first_step: scalar(t === 1 ? 1 : 0) };
  }

  private tensor(set: Map<string, Float32Array>, name: string): ort.Tensor {
    const values = set.get(name);
    if (!values) throw new Error(`training state has no tensor ${name}`);
    // Optimiser state (`<param>:m`) has its parameter's shape.
    const shape = this.shapes.get(name.split(':')[0]);
    return new ort.Tensor('float32', values, shape ? [...shape] : [values.length]);
  }

  private assertAlive(): void {
    if (this.released) throw new Error('this training session has been released');
  }
}

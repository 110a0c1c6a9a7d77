// Writes GraphIR the way a PyTorch module tree reads: each layer is named by its module path, and its parameters
// get that path plus `.weight`, `.bias`, `.running_mean`, … exactly as in the state_dict.
import {
  validateGraph,
  type GraphInput,
  type GraphIR,
  type GraphNode,
  type GraphOutput,
  type ModelPart,
  type Pads,
  type ParamInit,
  type ParamSpec,
  type ValueName,
} from './ir';

/** An activation while building: its name and channel count, so blocks can size the next layer. */
export type Value = { readonly name: ValueName; readonly channels: number };

export type ConvOptions = {
  out: number;
  kernel: number;
  stride?: number;
  /** symmetric padding; PyTorch `padding` */
  pad?: number;
  dilation?: number;
  groups?: number;
  bias?: boolean;
  init?: ParamInit;
  /**
   * The module's tensors were declared by an earlier conv2d with the same name and shape, and this call applies
   * the same module again (CBAM's MLP runs on both the average- and the max-pooled vector); their gradients add.
   */
  reuse?: boolean;
};

export type MaxPoolOptions = { kernel: number; stride: number; pad?: number; ceilMode?: boolean };

const ZEROS: ParamInit = { kind: 'constant', value: 0 };
const ONES: ParamInit = { kind: 'constant', value: 1 };

/** He-normal for the fan-in, the initialisation of the selim/1st-place zoo and smp's decoders. */
function kaimingNormal(fanIn: number): ParamInit {
  return { kind: 'normal', std: Math.sqrt(2 / fanIn) };
}

/** PyTorch's default for nn.Linear (kaiming_uniform with a = √5, which reduces to 1/√fan_in). */
export function torchDefaultUniform(fanIn: number): ParamInit {
  return { kind: 'uniform', bound: 1 / Math.sqrt(fanIn) };
}

export class GraphBuilder {
  private readonly nodes: GraphNode[] = [];
  private readonly params = new Map<string, ParamSpec>();
  private readonly aliases: Record<string, string> = {};
  private readonly inputs: GraphInput[] = [];
  private readonly outputs: GraphOutput[] = [];
  private part: ModelPart = 'encoder';
  private nextId = 0;

  /** Runs `build` with every parameter it declares tagged as belonging to `part`. */
  inPart<T>(part: ModelPart, build: () => T): T {
    const previous = this.part;
    this.part = part;
    try {
      return build();
    } finally {
      this.part = previous;
    }
  }

  input(name: string, channels: number): Value {
    this.inputs.push({ name, channels });
    return { name, channels };
  }

  output(name: string, value: Value, kind: GraphOutput['kind']): void {
    this.outputs.push({ name, value: value.name, kind });
  }

  /** Declares a state_dict tensor; used directly only for tensors no node reads (torchvision's `fc`). */
  param(name: string, shape: readonly number[], init: ParamInit, role: ParamSpec['role'] = 'parameter'): string {
    if (this.params.has(name)) throw new Error(`parameter ${name} declared twice`);
    this.params.set(name, { name, shape, role, part: this.part, init });
    return name;
  }

  /** Records that every param whose name starts with `canonicalPrefix` also appears under `aliasPrefix`. */
  aliasPrefix(aliasPrefix: string, canonicalPrefix: string): void {
    for (const name of this.params.keys()) {
      if (name.startsWith(canonicalPrefix)) {
        this.aliases[aliasPrefix + name.slice(canonicalPrefix.length)] = name;
      }
    }
  }

  conv2d(x: Value, module: string, o: ConvOptions): Value {
    const { out, kernel, stride = 1, pad = 0, dilation = 1, groups = 1, bias = true } = o;
    if (x.channels % groups !== 0 || out % groups !== 0) {
      throw new Error(`${module}: ${x.channels} → ${out} channels do not split into ${groups} groups`);
    }
    const fanIn = (x.channels / groups) * kernel * kernel;
    const weightShape = [out, x.channels / groups, kernel, kernel];
    const weight = o.reuse ? this.declared(`${module}.weight`, weightShape) : this.param(`${module}.weight`, weightShape, o.init ?? kaimingNormal(fanIn));
    const biasName = !bias ? null : o.reuse ? this.declared(`${module}.bias`, [out]) : this.param(`${module}.bias`, [out], ZEROS);
    return this.push(
      {
        op: 'conv2d',
        inputs: [x.name],
        output: this.valueName(module),
        weight,
        bias: biasName,
        inChannels: x.channels,
        outChannels: out,
        kernel: [kernel, kernel],
        stride: [stride, stride],
        pad: [pad, pad, pad, pad],
        dilation: [dilation, dilation],
        groups,
      },
      out,
    );
  }

  /** PyTorch BatchNorm2d defaults: eps 1e-5, momentum 0.1. */
  batchNorm(x: Value, module: string, eps = 1e-5, momentum = 0.1): Value {
    const c = x.channels;
    return this.push(
      {
        op: 'batchNorm',
        inputs: [x.name],
        output: this.valueName(module),
        channels: c,
        weight: this.param(`${module}.weight`, [c], ONES),
        bias: this.param(`${module}.bias`, [c], ZEROS),
        runningMean: this.param(`${module}.running_mean`, [c], ZEROS, 'buffer'),
        runningVar: this.param(`${module}.running_var`, [c], ONES, 'buffer'),
        eps,
        momentum,
      },
      c,
    );
  }

  linear(x: Value, module: string, outFeatures: number, bias = true): Value {
    const init = torchDefaultUniform(x.channels);
    return this.push(
      {
        op: 'linear',
        inputs: [x.name],
        output: this.valueName(module),
        weight: this.param(`${module}.weight`, [outFeatures, x.channels], init),
        bias: bias ? this.param(`${module}.bias`, [outFeatures], init) : null,
        inFeatures: x.channels,
        outFeatures,
      },
      outFeatures,
    );
  }

  relu(x: Value): Value {
    return this.push({ op: 'relu', inputs: [x.name], output: this.valueName('relu') }, x.channels);
  }

  sigmoid(x: Value): Value {
    return this.push({ op: 'sigmoid', inputs: [x.name], output: this.valueName('sigmoid') }, x.channels);
  }

  silu(x: Value): Value {
    return this.push({ op: 'silu', inputs: [x.name], output: this.valueName('silu') }, x.channels);
  }

  maxPool(x: Value, o: MaxPoolOptions): Value {
    const pad = o.pad ?? 0;
    const pads: Pads = [pad, pad, pad, pad];
    return this.push(
      {
        op: 'maxPool',
        inputs: [x.name],
        output: this.valueName('maxpool'),
        kernel: [o.kernel, o.kernel],
        stride: [o.stride, o.stride],
        pad: pads,
        ceilMode: o.ceilMode ?? false,
      },
      x.channels,
    );
  }

  upsample(x: Value, mode: 'nearest' | 'bilinear', scale = 2): Value {
    return this.push(
      { op: 'upsample', inputs: [x.name], output: this.valueName(`up_${mode}`), scale, mode, alignCorners: false },
      x.channels,
    );
  }

  concat(xs: readonly Value[]): Value {
    const channels = xs.reduce((sum, x) => sum + x.channels, 0);
    return this.push({ op: 'concat', inputs: xs.map((x) => x.name), output: this.valueName('concat') }, channels);
  }

  add(a: Value, b: Value): Value {
    return this.binary('add', a, b);
  }

  mul(a: Value, b: Value): Value {
    return this.binary('mul', a, b);
  }

  max(a: Value, b: Value): Value {
    return this.binary('max', a, b);
  }

  globalAvgPool(x: Value): Value {
    return this.push({ op: 'globalAvgPool', inputs: [x.name], output: this.valueName('gap') }, x.channels);
  }

  globalMaxPool(x: Value): Value {
    return this.push({ op: 'globalMaxPool', inputs: [x.name], output: this.valueName('gmp') }, x.channels);
  }

  channelMean(x: Value): Value {
    return this.push({ op: 'channelMean', inputs: [x.name], output: this.valueName('channel_mean') }, 1);
  }

  channelMax(x: Value): Value {
    return this.push({ op: 'channelMax', inputs: [x.name], output: this.valueName('channel_max') }, 1);
  }

  /** v [N,C,1,1] repeated over the spatial size of `like`. */
  expandSpatial(v: Value, like: Value): Value {
    return this.push({ op: 'expandSpatial', inputs: [v.name, like.name], output: this.valueName('expand') }, v.channels);
  }

  flatten(x: Value): Value {
    return this.push({ op: 'flatten', inputs: [x.name], output: this.valueName('flatten') }, x.channels);
  }

  build(): GraphIR {
    const graph: GraphIR = {
      inputs: [...this.inputs],
      outputs: [...this.outputs],
      nodes: [...this.nodes],
      params: [...this.params.values()],
      aliases: { ...this.aliases },
    };
    validateGraph(graph);
    return graph;
  }

  private binary(op: 'add' | 'mul' | 'max', a: Value, b: Value): Value {
    // Broadcasting only ever widens a 1-channel map (spatial attention) or keeps the channel count.
    const channels = Math.max(a.channels, b.channels);
    if (a.channels !== b.channels && Math.min(a.channels, b.channels) !== 1) {
      throw new Error(`${op}: cannot broadcast ${a.channels} and ${b.channels} channels`);
    }
    return this.push({ op, inputs: [a.name, b.name], output: this.valueName(op) }, channels);
  }

  private declared(name: string, shape: readonly number[]): string {
    const spec = this.params.get(name);
    if (!spec || spec.shape.join('x') !== shape.join('x')) throw new Error(`${name} [${shape.join(', ')}] is reused before it is declared with that shape`);
    return name;
  }

  private push(node: GraphNode, channels: number): Value {
    this.nodes.push(node);
    return { name: node.output, channels };
  }

  private valueName(hint: string): ValueName {
    return `${hint}:${this.nextId++}`;
  }
}

/** Conv → BN → ReLU, the unit of the encoders and of smp's decoder. */
export function convBnRelu(b: GraphBuilder, x: Value, conv: string, bn: string, o: ConvOptions): Value {
  return b.relu(b.batchNorm(b.conv2d(x, conv, o), bn));
}

// The typed graph IR every architecture is written in, once. It is plain data: the TF.js executor, the ONNX
// exporter, the FLOP/parameter counters and the PyTorch importer all read the same description.
//
// Semantics follow PyTorch: activations are NCHW ([N, C, H, W]; vectors [N, C]), parameters carry their
// state_dict names and PyTorch layouts (conv weight [out, in/groups, kh, kw], linear weight [out, in]).

/** Name of an activation inside the graph. */
export type ValueName = string;

/** Which part of the model a parameter belongs to (freezing the encoder, per-part learning rates). */
export type ModelPart = 'encoder' | 'decoder' | 'head';

/** How a parameter is filled before training or import; sampled by ml/models/init with a seeded RNG. */
export type ParamInit =
  | { kind: 'normal'; std: number }
  | { kind: 'uniform'; bound: number }
  | { kind: 'constant'; value: number };

export type ParamSpec = {
  /** the PyTorch state_dict name */
  name: string;
  /** PyTorch layout */
  shape: readonly number[];
  /** parameters are trained; buffers (BatchNorm running statistics) are state updated by the forward pass */
  role: 'parameter' | 'buffer';
  part: ModelPart;
  init: ParamInit;
};

export type Pair = readonly [number, number];
/** [top, left, bottom, right], the order ONNX uses for 2-D pads */
export type Pads = readonly [number, number, number, number];

type NodeBase = { inputs: readonly ValueName[]; output: ValueName };

export type Conv2dNode = NodeBase & {
  op: 'conv2d';
  weight: string;
  bias: string | null;
  inChannels: number;
  outChannels: number;
  kernel: Pair;
  stride: Pair;
  pad: Pads;
  dilation: Pair;
  groups: number;
};

export type BatchNormNode = NodeBase & {
  op: 'batchNorm';
  channels: number;
  weight: string;
  bias: string;
  runningMean: string;
  runningVar: string;
  eps: number;
  /** PyTorch convention: running = (1 − momentum)·running + momentum·batch */
  momentum: number;
};

export type MaxPoolNode = NodeBase & {
  op: 'maxPool';
  kernel: Pair;
  stride: Pair;
  pad: Pads;
  /** PyTorch ceil_mode: the last window may hang over the bottom/right edge (Cadene SENet's pool) */
  ceilMode: boolean;
};

export type UpsampleNode = NodeBase & {
  op: 'upsample';
  scale: number;
  /** nearest = PyTorch 'nearest' (source index floor(dst / scale)); bilinear with align_corners false */
  mode: 'nearest' | 'bilinear';
  alignCorners: false;
};

export type LinearNode = NodeBase & {
  op: 'linear';
  weight: string;
  bias: string | null;
  inFeatures: number;
  outFeatures: number;
};

/** Unary elementwise ops; silu (Swish) is x·sigmoid(x), EfficientNet's activation. */
export type ElementwiseNode = NodeBase & { op: 'relu' | 'sigmoid' | 'silu' };
/** Binary elementwise ops with NumPy broadcasting ([N,C,H,W] with [N,C,1,1] or [N,1,H,W]). */
export type BinaryNode = NodeBase & { op: 'add' | 'mul' | 'max' };
/** Concatenation along the channel axis. */
export type ConcatNode = NodeBase & { op: 'concat' };
/** Mean over H and W, keeping them: [N,C,H,W] → [N,C,1,1]. */
export type GlobalAvgPoolNode = NodeBase & { op: 'globalAvgPool' };
/** Max over H and W, keeping them: [N,C,H,W] → [N,C,1,1] (CBAM's channel attention). */
export type GlobalMaxPoolNode = NodeBase & { op: 'globalMaxPool' };
/** Mean or max over the channels, keeping the axis: [N,C,H,W] → [N,1,H,W] (CBAM's spatial attention). */
export type ChannelPoolNode = NodeBase & { op: 'channelMean' | 'channelMax' };
/**
 * inputs [v, like]: v [N,C,1,1] repeated over the H and W of `like` [N,*,H,W] → [N,C,H,W]. ASPP's image-pooling
 * branch (PyTorch upsamples its 1x1 map bilinearly, which from one pixel is this copy); the size follows the input.
 */
export type ExpandSpatialNode = NodeBase & { op: 'expandSpatial' };
/** [N,C,1,1] → [N,C]. */
export type FlattenNode = NodeBase & { op: 'flatten' };

export type GraphNode =
  | Conv2dNode
  | BatchNormNode
  | MaxPoolNode
  | UpsampleNode
  | LinearNode
  | ElementwiseNode
  | BinaryNode
  | ConcatNode
  | GlobalAvgPoolNode
  | GlobalMaxPoolNode
  | ChannelPoolNode
  | ExpandSpatialNode
  | FlattenNode;

export type GraphInput = { name: string; channels: number };
/** 'map' outputs are [N, C, H, W]; 'vector' outputs are [N, C]. */
export type GraphOutput = { name: string; value: ValueName; kind: 'map' | 'vector' };

export type GraphIR = {
  inputs: readonly GraphInput[];
  outputs: readonly GraphOutput[];
  /** in execution order: every input of a node is a graph input or the output of an earlier node */
  nodes: readonly GraphNode[];
  /** every tensor of the state_dict, each once; some (torchvision's unused `fc`) feed no node */
  params: readonly ParamSpec[];
  /**
   * Further state_dict names for the same tensors, alias → canonical param name. PyTorch repeats a tensor under
   * every attribute path that reaches a shared module (AlbuNet's `conv2.*` is `encoder.layer1.*`).
   */
  aliases: Readonly<Record<string, string>>;
};

/** Names of the params read by at least one node. */
export function usedParamNames(graph: GraphIR): Set<string> {
  const used = new Set<string>();
  for (const node of graph.nodes) {
    for (const name of nodeParamNames(node)) used.add(name);
  }
  return used;
}

export function nodeParamNames(node: GraphNode): string[] {
  switch (node.op) {
    case 'conv2d':
    case 'linear':
      return node.bias ? [node.weight, node.bias] : [node.weight];
    case 'batchNorm':
      return [node.weight, node.bias, node.runningMean, node.runningVar];
    default:
      return [];
  }
}

/**
 * Structural checks a builder bug would break: unique value and param names, inputs defined before use, params
 * declared, aliases pointing at real params. Shapes are checked by `inferShapes`.
 */
export function validateGraph(graph: GraphIR): void {
  const params = new Map(graph.params.map((p) => [p.name, p]));
  if (params.size !== graph.params.length) throw new Error('graph has duplicate parameter names');
  const defined = new Set(graph.inputs.map((i) => i.name));
  for (const node of graph.nodes) {
    for (const input of node.inputs) {
      if (!defined.has(input)) throw new Error(`${node.op} node reads ${input} before it is defined`);
    }
    for (const name of nodeParamNames(node)) {
      if (!params.has(name)) throw new Error(`${node.op} node reads undeclared parameter ${name}`);
    }
    if (defined.has(node.output)) throw new Error(`value ${node.output} is defined twice`);
    defined.add(node.output);
  }
  for (const output of graph.outputs) {
    if (!defined.has(output.value)) throw new Error(`output ${output.name} reads undefined value ${output.value}`);
  }
  for (const [alias, target] of Object.entries(graph.aliases)) {
    if (!params.has(target)) throw new Error(`alias ${alias} points at unknown parameter ${target}`);
    if (params.has(alias)) throw new Error(`alias ${alias} shadows a parameter`);
  }
}

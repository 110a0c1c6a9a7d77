// A small writer of ONNX graphs (opset 17 and Microsoft's contrib domain): nodes with generated value names,
// deduplicated constants, initialisers, typed inputs and outputs. The inference exporter and the training-step
// compiler both write through it, so a tensor, an attribute or a value's type is encoded in one place.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
export type INodeProto = onnxProto.onnx.INodeProto;
export type IAttributeProto = onnxProto.onnx.IAttributeProto;
export type ITensorProto = onnxProto.onnx.ITensorProto;
export type IValueInfoProto = onnxProto.onnx.IValueInfoProto;
export type IGraphProto = onnxProto.onnx.IGraphProto;

export const ONNX_OPSET = 17;
/** The IR version that goes with opset 17. */
export const ONNX_IR_VERSION = 8;
/** onnxruntime's contrib operators (FusedMatMul and the like), registered on its CPU and CUDA providers. */
export const MICROSOFT_DOMAIN = 'com.microsoft';

export type ElementType = 'float32' | 'int64' | 'bool' | 'uint8' | 'int8' | 'int32';
const DataType = onnx.TensorProto.DataType;
const ELEMENT_TYPES: Record<ElementType, number> = {
  float32: DataType.FLOAT,
  int64: DataType.INT64,
  bool: DataType.BOOL,
  uint8: DataType.UINT8,
  int8: DataType.INT8,
  int32: DataType.INT32,
};

/** An attribute value: a whole number is INT, an array of them INTS, a string STRING; floats say so. */
export type AttributeValue = number | readonly number[] | string | { float: number } | { floats: readonly number[] };
export type Attributes = Readonly<Record<string, AttributeValue>>;
/** A dimension: a size, or a symbolic name such as 'N'. */
export type Dim = number | string;

export class OnnxGraphBuilder {
  readonly nodes: INodeProto[] = [];
  private readonly initializers = new Map<string, ITensorProto>();
  private readonly inputs: IValueInfoProto[] = [];
  private readonly outputs: IValueInfoProto[] = [];
  private readonly taken = new Set<string>();
  private readonly domains = new Set<string>();
  private counter = 0;

  /** One node with one output; the output's name is `name` or a fresh one built from the op type. */
  op(opType: string, inputs: readonly string[], attributes: Attributes = {}, options: { name?: string; domain?: string } = {}): string {
    return this.opMulti(opType, inputs, 1, attributes, options.name ? { ...options, names: [options.name] } : options)[0];
  }

  /** One node with `count` outputs (MaxPool's indices, TopK's values and indices, Split's parts). */
  opMulti(
    opType: string,
    inputs: readonly string[],
    count: number,
    attributes: Attributes = {},
    options: { names?: readonly string[]; domain?: string } = {},
  ): string[] {
    const outputs = Array.from({ length: count }, (_, i) => {
      const name = options.names?.[i] ?? this.fresh(`${opType.toLowerCase()}`);
      this.claim(name);
      return name;
    });
    if (options.domain) this.domains.add(options.domain);
    this.nodes.push({
      opType,
      input: [...inputs],
      output: outputs,
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
      name: `${opType}_${this.nodes.length}`,
      ...(options.domain ? { domain: options.domain } : {}),
    });
    return outputs;
  }

  /** A name no value has yet, starting with `prefix`. */
  fresh(prefix: string): string {
    let name = prefix;
    while (this.taken.has(name)) name = `${prefix}_${++this.counter}`;
    return name;
  }

  /** A float32 constant, shared by every reader of the same values and shape. */
  floats(values: ArrayLike<number>, dims: readonly number[] = values.length === 1 ? [] : [values.length]): string {
    const data = Float32Array.from(values);
    const name = data.length <= 8 ? `const:f32[${dims}]:${Array.from(data).join(',')}` : this.fresh('const:f32');
    if (!this.initializers.has(name)) this.initializer(name, dims, data);
    return name;
  }

  /** An int64 constant (shapes, axes, Slice bounds), shared like floats. */
  int64s(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const name = values.length <= 8 ? `const:i64[${dims}]:${values.join(',')}` : this.fresh('const:i64');
    if (!this.initializers.has(name)) {
      this.claim(name);
      this.initializers.set(name, int64Tensor(name, dims, values));
    }
    return name;
  }

  /** A named float32 initialiser (a parameter baked into the graph). */
  initializer(name: string, dims: readonly number[], values: Float32Array): string {
    this.claim(name);
    this.initializers.set(name, floatTensor(name, dims, values));
    return name;
  }

  hasInitializer(name: string): boolean {
    return this.initializers.has(name);
  }

  input(name: string, dims: readonly Dim[], type: ElementType = 'float32'): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, dims, type));
    return name;
  }

  /** Declares `value` a graph output under its own name. */
  output(value: string, dims: readonly Dim[], type: ElementType = 'float32'): void {
    this.outputs.push(valueInfo(value, dims, type));
  }

  /** Marks a name as used without a node (values another emitter defines). */
  claim(name: string): void {
    if (this.taken.has(name)) throw new Error(`ONNX value ${name} is defined twice`);
    this.taken.add(name);
  }

  graph(name: string): IGraphProto {
    return { name, node: this.nodes, initializer: [...this.initializers.values()], input: this.inputs, output: this.outputs };
  }

  model(graphName: string, metadata: Readonly<Record<string, string>> = {}, producerVersion = '0'): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: ONNX_IR_VERSION,
      opsetImport: [{ domain: '', version: ONNX_OPSET }, ...[...this.domains].map((domain) => ({ domain, version: 1 }))],
      producerName: 'pleura',
      producerVersion,
      graph: this.graph(graphName),
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

export function floatTensor(name: string, dims: readonly number[], values: Float32Array): ITensorProto {
  // raw_data is little-endian; so is every platform Node runs on.
  const raw = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  return { name, dims: [...dims], dataType: DataType.FLOAT, rawData: raw };
}

export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): ITensorProto {
  const raw = new Uint8Array(BigInt64Array.from(values.map((v) => BigInt(v))).buffer);
  return { name, dims: [...dims], dataType: DataType.INT64, rawData: raw };
}

/** Quantized weights and zero points (QDQ graphs). */
export function int8Tensor(name: string, dims: readonly number[], values: Int8Array): ITensorProto {
  return { name, dims: [...dims], dataType: DataType.INT8, rawData: bytesOf(values) };
}

/** Activation zero points (QDQ graphs). */
export function uint8Tensor(name: string, dims: readonly number[], values: Uint8Array): ITensorProto {
  return { name, dims: [...dims], dataType: DataType.UINT8, rawData: bytesOf(values) };
}

/** Quantized biases (QDQ graphs: the accumulator's type). */
export function int32Tensor(name: string, dims: readonly number[], values: Int32Array): ITensorProto {
  return { name, dims: [...dims], dataType: DataType.INT32, rawData: bytesOf(values) };
}

function bytesOf(values: Int8Array | Uint8Array | Int32Array): Uint8Array {
  return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
}

export function valueInfo(name: string, dims: readonly Dim[], type: ElementType = 'float32'): IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEMENT_TYPES[type],
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

const AttributeType = onnx.AttributeProto.AttributeType;

export function attribute(name: string, value: AttributeValue): IAttributeProto {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: ${value} is not whole; write { float: ${value} }`);
    return { name, type: AttributeType.INT, i: value };
  }
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  if ('floats' in value) return { name, type: AttributeType.FLOATS, floats: [...value.floats] };
  return { name, type: AttributeType.INTS, ints: [...(value as readonly number[])] };
}

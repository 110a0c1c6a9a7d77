import type { PyCallable } from './pickle';
import type { TensorView } from './decode';
import { StateDictReadError, type Dtype } from './tensor';

/**
 * The allow-list: the only Python globals a torch.save'd state_dict may name, each with a JS stand-in that builds
 * plain data. Tensors stay references into the archive until the state dict is chosen, so optimiser state and other
 * checkpoint extras cost nothing to skip.
 */
export interface StorageRef {
  key: string;
  dtype: Dtype;
  /** Elements, as torch records it in the persistent id. */
  numel: number;
}

export class TensorRef {
  constructor(readonly storage: StorageRef, readonly view: TensorView) {}
}

class StorageType {
  constructor(readonly pythonName: string, readonly dtype: Dtype) {}
}

const STORAGE_DTYPES: Record<string, Dtype> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

function callable(pythonName: string, call: (args: unknown[]) => unknown): PyCallable {
  return { pythonName, call };
}

function fail(message: string): never {
  throw new StateDictReadError(`data.pkl: ${message}`);
}

function intList(value: unknown, what: string): number[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isInteger(v))) {
    fail(`${what} is not a tuple of integers`);
  }
  return value as number[];
}

// torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
const rebuildTensor = callable('torch._utils._rebuild_tensor_v2', (args) => {
  const [storage, offset, size, stride] = args;
  if (args.length < 6 || !(storage instanceof StorageRefBox)) fail('_rebuild_tensor_v2 called without a storage');
  if (typeof offset !== 'number') fail('_rebuild_tensor_v2: the storage offset is not an integer');
  return new TensorRef((storage as StorageRefBox).ref, {
    offset: offset as number,
    shape: intList(size, 'a tensor size'),
    stride: intList(stride, 'a tensor stride'),
  });
});

// nn.Parameter(data, requires_grad, backward_hooks[, state]): only the data matters for weights.
function rebuildParameter(pythonName: string) {
  return callable(pythonName, ([data]) => (data instanceof TensorRef ? data : fail(`${pythonName} without a tensor`)));
}

const orderedDict = callable('collections.OrderedDict', (args) => {
  if (args.length === 0) return new Map();
  fail('OrderedDict called with arguments');
});

/** Boxed so a storage cannot be confused with any other value the pickle builds. */
class StorageRefBox {
  constructor(readonly ref: StorageRef) {}
}

const GLOBALS = new Map<string, unknown>([
  ['collections.OrderedDict', orderedDict],
  ['torch._utils._rebuild_tensor_v2', rebuildTensor],
  ['torch._utils._rebuild_parameter', rebuildParameter('torch._utils._rebuild_parameter')],
  ['torch._utils._rebuild_parameter_with_state', rebuildParameter('torch._utils._rebuild_parameter_with_state')],
  ...Object.entries(STORAGE_DTYPES).map(([name, dtype]) => [`torch.${name}`, new StorageType(`torch.${name}`, dtype)] as const),
]);

export const ALLOWED_GLOBALS: readonly string[] = [...GLOBALS.keys()];

export function findTorchGlobal(module: string, name: string): unknown {
  return GLOBALS.get(`${module}.${name}`);
}

/** torch's persistent id for a storage: ('storage', storage_type, key, location, numel). The location is ignored. */
export function loadTorchStorage(pid: unknown): StorageRefBox {
  if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length !== 5) {
    fail(`unsupported persistent id ${JSON.stringify(pid)?.slice(0, 80)}`);
  }
  const [, type, key, , numel] = pid as unknown[];
  if (!(type instanceof StorageType)) fail('a storage without a storage type');
  if (typeof key !== 'string' || typeof numel !== 'number') fail('a storage id without key and size');
  return new StorageRefBox({ key: key as string, dtype: (type as StorageType).dtype, numel: numel as number });
}

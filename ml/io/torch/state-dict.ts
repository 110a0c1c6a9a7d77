import { StateDictReadError } from './tensor';

/** Where checkpoints commonly keep the weights when the file is not a bare state_dict. */
const NESTED_KEYS = ['state_dict', 'model_state_dict', 'model'];

/**
 * The state dict inside an unpickled checkpoint: the top-level dict when every value is a tensor, else the first of
 * `state_dict`, `model_state_dict`, `model` that is. Keys are returned as strings in file order.
 */
export function selectStateDict<T>(root: unknown, isTensor: (value: unknown) => value is T): Map<string, T> {
  const tensorsOnly = (value: unknown): value is Map<string, T> =>
    value instanceof Map && [...value].every(([k, v]) => typeof k === 'string' && isTensor(v));
  if (tensorsOnly(root)) return root;
  if (root instanceof Map) {
    for (const key of NESTED_KEYS) {
      const nested = root.get(key);
      if (tensorsOnly(nested)) return nested;
    }
    const keys = [...root.keys()].map(String).slice(0, 20).join(', ');
    throw new StateDictReadError(
      `no state dict found: the top-level dict (keys: ${keys}) is not a dict of tensors and has none under `
      + `${NESTED_KEYS.map((k) => `'${k}'`).join(', ')}`);
  }
  throw new StateDictReadError('no state dict found: the file holds a single object that is not a dict');
}

/**
 * nn.DataParallel and DistributedDataParallel save their wrapped model's weights as `module.<name>`. When every
 * key carries that prefix it is removed, so the names match the bare model's.
 */
export function stripDataParallelPrefix<T>(dict: Map<string, T>): Map<string, T> {
  const prefix = 'module.';
  if (dict.size === 0 || ![...dict.keys()].every((k) => k.startsWith(prefix))) return dict;
  return new Map([...dict].map(([k, v]) => [k.slice(prefix.length), v]));
}

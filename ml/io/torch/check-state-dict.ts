import { isFloatDtype, type FloatTensor, type StateDict, type StateTensor } from './tensor';

export interface ExpectedTensor {
  name: string;
  shape: readonly number[];
}

/**
 * Two spellings of the same tensors, as prefixes: a name starting with `prefix` denotes the tensor named
 * `sameAs` + the rest, and the other way round. AlbuNet, for one, saves its ResNet encoder twice because its
 * modules are shared ({prefix: 'conv1.0.', sameAs: 'encoder.conv1.'}, {prefix: 'conv2.', sameAs: 'encoder.layer1.'},
 * …); the architecture that owns the sharing supplies the list.
 */
export interface TensorAlias {
  prefix: string;
  sameAs: string;
}

export interface CheckOptions {
  /** File keys the model does not use and that are not worth reporting (a classifier head it drops, say). */
  ignore?: RegExp[];
  aliases?: TensorAlias[];
}

export interface ShapeMismatch {
  name: string;
  fileShape: number[];
  modelShape: number[];
}

/** Everything that keeps a state dict from fitting a model, collected so one error can name it all. */
export class StateDictMismatchError extends Error {
  override name = 'StateDictMismatchError';

  constructor(
    readonly missing: string[],
    readonly unexpected: string[],
    readonly shapeMismatches: ShapeMismatch[],
    /** Tensors stored under two alias spellings whose contents differ. */
    readonly aliasConflicts: Array<[string, string]>,
    /** Tensors the model needs as floating point that the file stores as integers or bool. */
    readonly notFloat: Array<{ name: string; dtype: string }>,
  ) {
    const parts = [
      missing.length && `missing: ${missing.join(', ')}`,
      unexpected.length && `unexpected: ${unexpected.join(', ')}`,
      shapeMismatches.length && `shape mismatch: ${shapeMismatches.map((m) =>
        `${m.name} is [${m.fileShape}] in the file, the model wants [${m.modelShape}]`).join(', ')}`,
      aliasConflicts.length && `aliases differ: ${aliasConflicts.map(([a, b]) => `${a} ≠ ${b}`).join(', ')}`,
      notFloat.length && `not floating point: ${notFloat.map((t) => `${t.name} is ${t.dtype}`).join(', ')}`,
    ].filter(Boolean);
    super(`the weights do not fit the model — ${parts.join('; ')}`);
  }
}

/** BatchNorm's step counter: training bookkeeping, never a weight. */
const BATCHES_TRACKED = /(^|\.)num_batches_tracked$/;

/**
 * Maps a state dict onto the tensors a model expects, by name (PyTorch state_dict spelling), and returns them in
 * the model's order. Throws one StateDictMismatchError naming every missing key, unexpected key, shape mismatch,
 * conflicting alias pair and non-float tensor. `num_batches_tracked` buffers are ignored on both sides.
 */
export function checkStateDict(
  expected: readonly ExpectedTensor[],
  dict: StateDict,
  { ignore = [], aliases = [] }: CheckOptions = {},
): Map<string, FloatTensor> {
  const used = new Set<string>();
  const out = new Map<string, FloatTensor>();
  const missing: string[] = [];
  const shapeMismatches: ShapeMismatch[] = [];
  const aliasConflicts: Array<[string, string]> = [];
  const notFloat: Array<{ name: string; dtype: string }> = [];

  for (const { name, shape } of expected) {
    if (BATCHES_TRACKED.test(name)) continue;
    const spellings = [name, ...aliasSpellings(name, aliases)].filter((n) => dict.has(n));
    spellings.forEach((n) => used.add(n));
    if (spellings.length === 0) {
      missing.push(name);
      continue;
    }
    const [first, ...others] = spellings;
    const tensor = dict.get(first)!;
    for (const other of others) {
      if (!sameTensor(tensor, dict.get(other)!)) aliasConflicts.push([first, other]);
    }
    if (!sameShape(tensor.shape, shape)) {
      shapeMismatches.push({ name, fileShape: tensor.shape, modelShape: [...shape] });
    } else if (!isFloatDtype(tensor.dtype)) {
      notFloat.push({ name, dtype: tensor.dtype });
    } else {
      out.set(name, tensor as FloatTensor);
    }
  }
  const unexpected = [...dict.keys()].filter((k) =>
    !used.has(k) && !BATCHES_TRACKED.test(k) && !ignore.some((re) => re.test(k)));

  if (missing.length || unexpected.length || shapeMismatches.length || aliasConflicts.length || notFloat.length) {
    throw new StateDictMismatchError(missing, unexpected, shapeMismatches, aliasConflicts, notFloat);
  }
  return out;
}

function aliasSpellings(name: string, aliases: readonly TensorAlias[]): string[] {
  const out: string[] = [];
  for (const { prefix, sameAs } of aliases) {
    if (name.startsWith(prefix)) out.push(sameAs + name.slice(prefix.length));
    if (name.startsWith(sameAs)) out.push(prefix + name.slice(sameAs.length));
  }
  return out;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Bitwise, so NaNs compare equal to themselves; aliases from one storage share an array and return at once. */
function sameTensor(a: StateTensor, b: StateTensor): boolean {
  if (a.data === b.data) return true;
  if (a.dtype !== b.dtype || !sameShape(a.shape, b.shape) || a.data.length !== b.data.length) return false;
  const x = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const y = new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

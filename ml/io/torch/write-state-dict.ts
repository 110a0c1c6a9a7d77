import { contiguousStrides, elementCount } from './tensor';
import { PickleWriter } from './pickle-writer';
import { writeStoredZip, type ZipEntry } from './zip-writer';

/**
 * What Pleura saves: float32 weights and the int64 counters PyTorch keeps beside them. A storage may back several
 * tensors (the same object under two names), which the file then records once, as torch.save does for a shared
 * module.
 */
export type SavedStorage =
  | { dtype: 'float32'; data: Float32Array }
  | { dtype: 'int64'; data: BigInt64Array };

/** A tensor that is the whole of its storage, row-major. */
export interface SavedTensor {
  name: string;
  shape: readonly number[];
  storage: SavedStorage;
}

const STORAGE_CLASS = { float32: 'FloatStorage', int64: 'LongStorage' } as const;
const ARCHIVE = 'archive';

/**
 * A state_dict as torch.save (PyTorch ≥ 1.6) writes it: a stored zip of `archive/data.pkl` (an OrderedDict of
 * tensors rebuilt by torch._utils._rebuild_tensor_v2 from persistent storage ids), `archive/byteorder`, one
 * `archive/data/<key>` per storage, keys numbered in order of first use, and `archive/version`. torch.load reads it
 * with weights_only=True: it names no global beyond that loader's allow-list. Storages are written in the host's
 * byte order, little-endian on every platform Pleura runs on (the model store refuses others when loading).
 */
export function writeTorchStateDict(tensors: readonly SavedTensor[]): Uint8Array {
  const keys = new Map<SavedStorage, string>();
  for (const { name, shape, storage } of tensors) {
    if (elementCount(shape) !== storage.data.length) {
      throw new Error(`${name}: shape [${shape}] holds ${elementCount(shape)} elements, its storage ${storage.data.length}`);
    }
    if (!keys.has(storage)) keys.set(storage, String(keys.size));
  }
  const entries: ZipEntry[] = [
    { name: `${ARCHIVE}/data.pkl`, data: pickleStateDict(tensors, keys) },
    { name: `${ARCHIVE}/byteorder`, data: text('little') },
    ...[...keys].map(([storage, key]) => ({ name: `${ARCHIVE}/data/${key}`, data: bytesOf(storage) })),
    { name: `${ARCHIVE}/version`, data: text('3\n') },
  ];
  return writeStoredZip(entries);
}

function pickleStateDict(tensors: readonly SavedTensor[], keys: ReadonlyMap<SavedStorage, string>): Uint8Array {
  const p = new PickleWriter();
  p.call('collections', 'OrderedDict', 0, () => {});
  p.setItems(tensors, ({ name, shape, storage }) => {
    p.string(name);
    // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks)
    p.call('torch._utils', '_rebuild_tensor_v2', 6, () => {
      p.persistentId(5, () => {
        p.string('storage').global('torch', STORAGE_CLASS[storage.dtype]).string(keys.get(storage)!).string('cpu');
        p.int(storage.data.length);
      });
      p.int(0).intTuple(shape).intTuple(contiguousStrides(shape)).bool(false);
      p.call('collections', 'OrderedDict', 0, () => {});
    });
  });
  return p.finish();
}

export function bytesOf({ data }: SavedStorage): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function text(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

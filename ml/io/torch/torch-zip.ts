import { decodeStorage, viewTensor } from './decode';
import { unpickle } from './pickle';
import { selectStateDict, stripDataParallelPrefix } from './state-dict';
import { BYTES_PER_ELEMENT, StateDictReadError, type StateDict } from './tensor';
import { ALLOWED_GLOBALS, findTorchGlobal, loadTorchStorage, TensorRef } from './torch-globals';
import { openZip } from './zip';

// torch's legacy (pre-1.6 default) format starts with a pickled magic number: PROTO 2, LONG1 of 10 bytes.
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

/**
 * Reads a state_dict saved by torch.save in the zip format (PyTorch ≥ 1.6): `<archive>/data.pkl` is a pickle whose
 * tensors point, through persistent ids, at raw storages `<archive>/data/<key>`. The archive folder name is whatever
 * the first entry says (torch uses the file's base name or "archive"). Accepts a bare state_dict or a checkpoint
 * holding one (see selectStateDict); a DataParallel `module.` prefix is removed (see stripDataParallelPrefix).
 */
export function readTorchStateDict(bytes: Uint8Array): StateDict {
  if (LEGACY_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new StateDictReadError(
      'this file uses the legacy PyTorch format (saved with _use_new_zipfile_serialization=False or by PyTorch < 1.6); '
      + 're-save it with a recent PyTorch: torch.save(torch.load(path), new_path)');
  }
  const zip = openZip(bytes);
  const slash = zip.names[0]?.indexOf('/') ?? -1;
  if (slash <= 0) throw new StateDictReadError('not a PyTorch archive: its entries are not inside one folder');
  const folder = zip.names[0].slice(0, slash + 1);
  if (zip.has(`${folder}constants.pkl`) || zip.names.some((n) => n.startsWith(`${folder}code/`))) {
    throw new StateDictReadError(
      'this is a TorchScript archive (torch.jit.save); save the weights with torch.save(model.state_dict(), path)');
  }
  if (!zip.has(`${folder}data.pkl`)) {
    throw new StateDictReadError(`not a PyTorch archive: no ${folder}data.pkl among ${zip.names.slice(0, 8).join(', ')}`);
  }
  const byteorder = zip.has(`${folder}byteorder`) ? new TextDecoder().decode(zip.read(`${folder}byteorder`)) : 'little';
  if (byteorder !== 'little' && byteorder !== 'big') throw new StateDictReadError(`unknown byteorder "${byteorder}"`);

  const root = unpickle(zip.read(`${folder}data.pkl`), {
    findGlobal: findTorchGlobal,
    persistentLoad: loadTorchStorage,
    allowedNames: ALLOWED_GLOBALS,
  }, `${folder}data.pkl`);
  const refs = stripDataParallelPrefix(selectStateDict(root, (v): v is TensorRef => v instanceof TensorRef));

  const storages = new Map<string, Float32Array | BigInt64Array>();
  const out: StateDict = new Map();
  for (const [name, { storage, view }] of refs) {
    let decoded = storages.get(storage.key);
    if (!decoded) {
      const entry = `${folder}data/${storage.key}`;
      if (!zip.has(entry)) throw new StateDictReadError(`${name}: its storage ${entry} is missing from the archive`);
      const raw = zip.read(entry);
      const expected = storage.numel * BYTES_PER_ELEMENT[storage.dtype];
      if (raw.byteLength !== expected) {
        throw new StateDictReadError(
          `${name}: storage ${entry} holds ${raw.byteLength} bytes, ${storage.numel} ${storage.dtype} elements need ${expected}`);
      }
      decoded = decodeStorage({ bytes: raw, dtype: storage.dtype, littleEndian: byteorder === 'little' });
      storages.set(storage.key, decoded);
    }
    out.set(name, viewTensor(decoded, storage.dtype, view, name));
  }
  return out;
}

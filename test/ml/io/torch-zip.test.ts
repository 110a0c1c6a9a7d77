import { describe, expect, it } from 'vitest';
import { readTorchStateDict, StateDictReadError } from '../../../ml/io/torch';
import { openZip } from '../../../ml/io/torch/zip';
import {
  contiguous, Pickler, transposed, writeTorchZip, writeZip, type FixtureTensor,
} from '../../fixtures/torch-writer';

/** The same mix of tensors PyTorch's own files were checked with (see the torch-python test). */
function mixed(): Map<string, FixtureTensor> {
  const weight = contiguous('float32', [2, 3, 2, 2], Array.from({ length: 24 }, (_, i) => i / 8 - 1));
  const base = { dtype: 'float32' as const, values: [0, 1, 2, 3, 4, 5] };
  return new Map<string, FixtureTensor>([
    ['conv.weight', weight],
    ['conv.bias', contiguous('float32', [2], [0.5, -1.5])],
    ['alias.weight', { ...weight }],
    ['lin.weight', transposed(2, 3, 'float32', base.values)],
    ['row', { storage: base, shape: [3], stride: [1], offset: 3 }],
    ['half', contiguous('float16', [4], [1, -2, 0.5, 65504])],
    ['bf', contiguous('bfloat16', [2], [1.5, -2])],
    ['dbl', contiguous('float64', [1], [0.25])],
    ['bn.num_batches_tracked', contiguous('int64', [], [7n])],
  ]);
}

function values(data: ArrayLike<number | bigint>): Array<number | bigint> {
  return Array.from(data);
}

describe('readTorchStateDict: round trips through real torch.save zips', () => {
  it('reads values, shapes and dtypes, gathering strided views and keeping int64 exact', () => {
    const sd = readTorchStateDict(writeTorchZip(mixed()));
    expect([...sd.keys()]).toEqual([...mixed().keys()]);
    expect(sd.get('conv.weight')).toMatchObject({ dtype: 'float32', shape: [2, 3, 2, 2] });
    expect(values(sd.get('conv.weight')!.data)).toEqual(Array.from({ length: 24 }, (_, i) => i / 8 - 1));
    // A transposed 2x3 tensor (stride [1, 3]) comes back row-major as torch's .contiguous() would give it.
    expect(sd.get('lin.weight')).toMatchObject({ shape: [3, 2] });
    expect(values(sd.get('lin.weight')!.data)).toEqual([0, 3, 1, 4, 2, 5]);
    expect(values(sd.get('row')!.data)).toEqual([3, 4, 5]);
    expect(sd.get('half')).toMatchObject({ dtype: 'float16' });
    expect(values(sd.get('half')!.data)).toEqual([1, -2, 0.5, 65504]);
    expect(values(sd.get('bf')!.data)).toEqual([1.5, -2]);
    expect(sd.get('dbl')).toMatchObject({ dtype: 'float64', shape: [1] });
    expect(values(sd.get('dbl')!.data)).toEqual([0.25]);
    const tracked = sd.get('bn.num_batches_tracked')!;
    expect(tracked).toMatchObject({ dtype: 'int64', shape: [] });
    expect(tracked.data).toBeInstanceOf(BigInt64Array);
    expect(values(tracked.data)).toEqual([7n]);
  });

  it('decodes a shared storage once: two views of it share one array', () => {
    const sd = readTorchStateDict(writeTorchZip(mixed()));
    expect(sd.get('alias.weight')!.data).toBe(sd.get('conv.weight')!.data);
  });

  it('finds the archive under any folder name, in a checkpoint dict, with module metadata (BUILD)', () => {
    const bytes = writeTorchZip(mixed(), { archiveName: 'albunet_fold0', nestUnder: 'state_dict', moduleMetadata: true });
    expect(openZip(bytes).names[0]).toBe('albunet_fold0/data.pkl');
    expect(values(readTorchStateDict(bytes).get('row')!.data)).toEqual([3, 4, 5]);
    const model = readTorchStateDict(writeTorchZip(mixed(), { nestUnder: 'model' }));
    expect(model.size).toBe(9);
  });

  it('removes the DataParallel module. prefix only when every key has it', () => {
    const wrapped = new Map([...mixed()].map(([k, v]) => [`module.${k}`, v]));
    expect([...readTorchStateDict(writeTorchZip(wrapped)).keys()][0]).toBe('conv.weight');
    const partly = new Map([...wrapped].map(([k, v], i) => [i === 0 ? k.slice(7) : k, v]));
    expect([...readTorchStateDict(writeTorchZip(partly)).keys()][1]).toBe('module.conv.bias');
  });

  it('reads deflated entries (a zip re-packed by another tool)', () => {
    const sd = readTorchStateDict(writeTorchZip(mixed(), { deflate: true }));
    expect(values(sd.get('lin.weight')!.data)).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it('handles more than 256 memo slots (LONG_BINPUT/LONG_BINGET) and 1000-item SETITEMS batches', () => {
    const many = new Map(Array.from({ length: 1100 }, (_, i) => [`p${i}`, contiguous('float32', [1], [i])]));
    const sd = readTorchStateDict(writeTorchZip(many));
    expect(sd.size).toBe(1100);
    expect(values(sd.get('p1099')!.data)).toEqual([1099]);
  });
});

/** A torch-shaped archive around a hand-written pickle. */
function archiveWith(pickle: Uint8Array): Uint8Array {
  return writeZip([{ name: 'archive/data.pkl', data: pickle }, { name: 'archive/version', data: new TextEncoder().encode('3\n') }]);
}

function pickleOf(build: (p: Pickler) => void): Uint8Array {
  const p = new Pickler();
  p.op(0x80, 2);
  build(p);
  p.op(0x2e);
  return p.bytes();
}

describe('readTorchStateDict: refusals', () => {
  it('refuses a pickle that calls os.system, naming the global, before anything runs', () => {
    const evil = pickleOf((p) => {
      p.global('os', 'system');
      p.constString('touch /tmp/pwned');
      p.op(0x85); // TUPLE1
      p.reduceEnd();
    });
    expect(() => readTorchStateDict(archiveWith(evil))).toThrow(/refusing the global os\.system.*Nothing in the file was executed/);
  });

  it('refuses globals reached through STACK_GLOBAL too', () => {
    const evil = pickleOf((p) => {
      p.constString('builtins');
      p.constString('eval');
      p.op(0x93);
    });
    expect(() => readTorchStateDict(archiveWith(evil))).toThrow(/refusing the global builtins\.eval/);
  });

  it('names an unsupported opcode', () => {
    const odd = pickleOf((p) => {
      p.global('collections', 'OrderedDict');
      p.emptyTuple();
      p.op(0x81); // NEWOBJ
    });
    expect(() => readTorchStateDict(archiveWith(odd))).toThrow(/unsupported pickle opcode NEWOBJ \(0x81\) \(at byte 30\)/);
  });

  it('says where the weights were not found', () => {
    const noTensors = pickleOf((p) => {
      p.emptyDict();
      p.dictItems([['epoch', 1]], (k, v) => { p.string(k); p.int(v); });
    });
    expect(() => readTorchStateDict(archiveWith(noTensors))).toThrow(/no state dict found: the top-level dict \(keys: epoch\)/);
  });

  it('gives clear errors for truncated and corrupt files', () => {
    const bytes = writeTorchZip(mixed());
    expect(() => readTorchStateDict(bytes.subarray(0, bytes.length - 30))).toThrow(StateDictReadError);
    expect(() => readTorchStateDict(bytes.subarray(0, 1000))).toThrow(/truncated or corrupt zip: the end of the zip \(its central directory\) is missing/);
    const corrupt = bytes.slice();
    const zip = openZip(bytes);
    const storage = zip.read('archive/data/0');
    corrupt[storage.byteOffset + 5] ^= 0xff;
    expect(() => readTorchStateDict(corrupt)).toThrow(/zip entry archive\/data\/0 is corrupt \(CRC-32 mismatch\)/);
    expect(() => readTorchStateDict(new TextEncoder().encode('hello, not a zip at all'))).toThrow(/not a zip archive/);
  });

  it('reports a storage too short for its tensor view', () => {
    const bad = new Map([['w', { storage: { dtype: 'float32' as const, values: [1, 2, 3] }, shape: [2, 2] }]]);
    expect(() => readTorchStateDict(writeTorchZip(bad))).toThrow(/w: shape \[2,2\] with stride \[2,1\] at offset 0 reaches element 3, but its storage holds 3 elements/);
  });

  it('rejects the legacy format and TorchScript archives with advice', () => {
    const legacy = Uint8Array.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]);
    expect(() => readTorchStateDict(legacy)).toThrow(/_use_new_zipfile_serialization=False.*re-save it with a recent PyTorch/);
    const script = writeZip([
      { name: 'model/data.pkl', data: pickleOf((p) => p.op(0x4e)) },
      { name: 'model/constants.pkl', data: pickleOf((p) => p.emptyTuple()) },
      { name: 'model/code/__torch__.py', data: new Uint8Array(1) },
    ]);
    expect(() => readTorchStateDict(script)).toThrow(/TorchScript archive \(torch\.jit\.save\)/);
  });
});

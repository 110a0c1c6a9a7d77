import { describe, expect, it } from 'vitest';
import { checkStateDict, readTorchStateDict, StateDictMismatchError, type TensorAlias } from '../../../ml/io/torch';
import type { StateDict, StateTensor } from '../../../ml/io/torch/tensor';
import { contiguous, writeTorchZip, type FixtureTensor } from '../../fixtures/torch-writer';

function tensor(shape: number[], fill = 1): StateTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return { dtype: 'float32', shape, data: new Float32Array(n).fill(fill) };
}

function errorOf(run: () => unknown): StateDictMismatchError {
  try {
    run();
  } catch (error) {
    if (error instanceof StateDictMismatchError) return error;
    throw error;
  }
  throw new Error('expected a StateDictMismatchError');
}

describe('checkStateDict', () => {
  const expected = [
    { name: 'dec0.conv.weight', shape: [32, 32, 3, 3] },
    { name: 'final.weight', shape: [1, 32, 1, 1] },
    { name: 'final.bias', shape: [1] },
  ];

  it('returns the tensors in the model order, ignoring num_batches_tracked and ignored keys', () => {
    const dict: StateDict = new Map([
      ['final.bias', tensor([1])],
      ['bn.num_batches_tracked', { dtype: 'int64', shape: [], data: BigInt64Array.of(3n) }],
      ['encoder.fc.weight', tensor([1000, 512])],
      ['final.weight', tensor([1, 32, 1, 1])],
      ['dec0.conv.weight', tensor([32, 32, 3, 3])],
    ]);
    const out = checkStateDict(expected, dict, { ignore: [/^encoder\.fc\./] });
    expect([...out.keys()]).toEqual(expected.map((e) => e.name));
    expect(out.get('final.weight')!.data).toBe(dict.get('final.weight')!.data);
  });

  it('names every missing key, unexpected key and shape mismatch in one error', () => {
    const dict: StateDict = new Map([
      ['final.weight', tensor([1, 16, 1, 1])],
      ['final.bias', tensor([1])],
      ['foo.bar', tensor([2])],
    ]);
    const error = errorOf(() => checkStateDict(expected, dict));
    expect(error.message).toBe('the weights do not fit the model — missing: dec0.conv.weight; unexpected: foo.bar; '
      + 'shape mismatch: final.weight is [1,16,1,1] in the file, the model wants [1,32,1,1]');
    expect(error.missing).toEqual(['dec0.conv.weight']);
    expect(error.unexpected).toEqual(['foo.bar']);
    expect(error.shapeMismatches).toEqual([{ name: 'final.weight', fileShape: [1, 16, 1, 1], modelShape: [1, 32, 1, 1] }]);
  });

  it('refuses integer tensors where the model wants floats', () => {
    const dict: StateDict = new Map([['x', { dtype: 'int32', shape: [2], data: BigInt64Array.of(1n, 2n) }]]);
    expect(() => checkStateDict([{ name: 'x', shape: [2] }], dict)).toThrow(/not floating point: x is int32/);
  });
});

describe('checkStateDict with aliases (AlbuNet saves its shared encoder twice)', () => {
  const albunetAliases: TensorAlias[] = [
    { prefix: 'conv1.0.', sameAs: 'encoder.conv1.' },
    { prefix: 'conv1.1.', sameAs: 'encoder.bn1.' },
    { prefix: 'conv2.', sameAs: 'encoder.layer1.' },
  ];
  const model = [
    { name: 'encoder.conv1.weight', shape: [2, 1, 1, 1] },
    { name: 'encoder.bn1.weight', shape: [2] },
    { name: 'encoder.layer1.0.conv1.weight', shape: [2, 2, 1, 1] },
    { name: 'final.weight', shape: [1, 2, 1, 1] },
  ];
  /** As torch.save writes a module with shared submodules: both names, one storage each. */
  function albunetLike(): Map<string, FixtureTensor> {
    const conv1 = contiguous('float32', [2, 1, 1, 1], [0.5, -0.5]);
    const bn1 = contiguous('float32', [2], [1, 2]);
    const layer = contiguous('float32', [2, 2, 1, 1], [1, 2, 3, 4]);
    return new Map<string, FixtureTensor>([
      ['encoder.conv1.weight', conv1],
      ['encoder.bn1.weight', bn1],
      ['encoder.bn1.num_batches_tracked', contiguous('int64', [], [10n])],
      ['encoder.layer1.0.conv1.weight', layer],
      ['conv1.0.weight', { ...conv1 }],
      ['conv1.1.weight', { ...bn1 }],
      ['conv1.1.num_batches_tracked', contiguous('int64', [], [10n])],
      ['conv2.0.conv1.weight', { ...layer }],
      ['final.weight', contiguous('float32', [1, 2, 1, 1], [3, 4])],
    ]);
  }

  it('accepts a real file holding both spellings, without reporting the aliases as unexpected', () => {
    const dict = readTorchStateDict(writeTorchZip(albunetLike(), { moduleMetadata: true }));
    const out = checkStateDict(model, dict, { aliases: albunetAliases });
    expect([...out.keys()]).toEqual(model.map((m) => m.name));
    expect(Array.from(out.get('encoder.layer1.0.conv1.weight')!.data)).toEqual([1, 2, 3, 4]);
  });

  it('accepts either spelling alone, whichever the model uses', () => {
    const onlyShort = new Map([...albunetLike()].filter(([k]) => !k.startsWith('encoder.')));
    const out = checkStateDict(model, readTorchStateDict(writeTorchZip(onlyShort)), { aliases: albunetAliases });
    expect(Array.from(out.get('encoder.conv1.weight')!.data)).toEqual([0.5, -0.5]);
    const shortModel = [{ name: 'conv2.0.conv1.weight', shape: [2, 2, 1, 1] }];
    const onlyLong = new Map([['encoder.layer1.0.conv1.weight', albunetLike().get('encoder.layer1.0.conv1.weight')!]]);
    expect(checkStateDict(shortModel, readTorchStateDict(writeTorchZip(onlyLong)), { aliases: albunetAliases }).size).toBe(1);
  });

  it('requires the two spellings to hold equal tensors', () => {
    const tampered = albunetLike();
    tampered.set('conv1.0.weight', contiguous('float32', [2, 1, 1, 1], [0.5, 9]));
    const error = errorOf(() => checkStateDict(model, readTorchStateDict(writeTorchZip(tampered)), { aliases: albunetAliases }));
    expect(error.message).toMatch(/aliases differ: encoder\.conv1\.weight ≠ conv1\.0\.weight$/);
    expect(error.unexpected).toEqual([]);
  });

  it('without the alias rule, the second spelling is unexpected', () => {
    const error = errorOf(() => checkStateDict(model, readTorchStateDict(writeTorchZip(albunetLike()))));
    expect(error.unexpected).toEqual(['conv1.0.weight', 'conv1.1.weight', 'conv2.0.conv1.weight']);
  });
});

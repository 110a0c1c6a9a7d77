// export-torch: the pickle and zip writers against hand-computed bytes, the state_dict a graph exports (BatchNorm
// counters, aliases sharing storage), read back by Pleura's own importer, and the CLI's refusals.
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { exportTorch } from '../../../main/cli/commands/export-torch';
import { CliUsageError } from '../../../main/cli/run';
import { exportTorchModel, torchFileFormat, torchStateDict } from '../../../ml/io/export-torch';
import { importTorchModel } from '../../../ml/io/import-torch';
import { loadModel } from '../../../ml/io/model-store';
import { writeSafetensors } from '../../../ml/io/safetensors';
import { checkStateDict, readStateDict, type StateDict } from '../../../ml/io/torch';
import { unpickle } from '../../../ml/io/torch/pickle';
import { PickleWriter } from '../../../ml/io/torch/pickle-writer';
import { writeTorchStateDict } from '../../../ml/io/torch/write-state-dict';
import { openZip } from '../../../ml/io/torch/zip';
import { writeStoredZip } from '../../../ml/io/torch/zip-writer';
import { validateGraph, type GraphIR } from '../../../ml/models';

const root = mkdtempSync(path.join(tmpdir(), 'pleura-export-torch-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const DEMO = path.join(import.meta.dirname, '../../../models/pleura-demo');

const bytes = (text: string) => [...new TextEncoder().encode(text)];
const bits = (data: Float32Array) => Buffer.from(data.buffer, data.byteOffset, data.byteLength);

describe('PickleWriter', () => {
  it('writes protocol 2 as Python does for these values', () => {
    const p = new PickleWriter();
    p.call('collections', 'OrderedDict', 0, () => {});
    expect([...p.finish()]).toEqual([0x80, 2, 0x63, ...bytes('collections\nOrderedDict\n'), 0x29, 0x52, 0x2e]);
    const ints = new PickleWriter().int(5).int(300).int(70_000).int(-2).finish();
    expect([...ints]).toEqual([0x80, 2, 0x4b, 5, 0x4d, 0x2c, 0x01, 0x4a, 0x70, 0x11, 0x01, 0x00, 0x4a, 0xfe, 0xff, 0xff, 0xff, 0x2e]);
    expect([...new PickleWriter().string('é').finish()]).toEqual([0x80, 2, 0x58, 2, 0, 0, 0, 0xc3, 0xa9, 0x2e]);
    // TUPLE1-3 for short tuples, MARK … TUPLE beyond
    expect([...new PickleWriter().intTuple([]).intTuple([1]).intTuple([1, 2, 3]).intTuple([1, 2, 3, 4]).finish()]).toEqual([
      0x80, 2, 0x29, 0x4b, 1, 0x85, 0x4b, 1, 0x4b, 2, 0x4b, 3, 0x87, 0x28, 0x4b, 1, 0x4b, 2, 0x4b, 3, 0x4b, 4, 0x74, 0x2e,
    ]);
  });

  it("reads back through Pleura's unpickler, dict items in batches of 1000", () => {
    const items = Array.from({ length: 2500 }, (_, i) => i);
    const p = new PickleWriter();
    p.call('collections', 'OrderedDict', 0, () => {});
    p.setItems(items, (i) => p.string(`k${i}`).tuple(3, () => p.int(i).bool(i % 2 === 0).intTuple([i, -i])));
    const pickle = p.finish();
    expect(pickle.filter((b) => b === 0x75).length).toBeGreaterThanOrEqual(3);
    const ordered = { pythonName: 'collections.OrderedDict', call: () => new Map() };
    const dict = unpickle(pickle, { findGlobal: () => ordered, persistentLoad: () => null, allowedNames: [] }) as Map<string, unknown>;
    expect(dict.size).toBe(2500);
    expect(dict.get('k0')).toEqual([0, true, [0, 0]]);
    expect(dict.get('k2499')).toEqual([2499, false, [2499, -2499]]);
  });

  it('refuses what it cannot write faithfully', () => {
    expect(() => new PickleWriter().int(2 ** 31)).toThrow('does not fit in 32 bits');
    expect(() => new PickleWriter().int(1.5)).toThrow('not an integer');
    expect(() => new PickleWriter().global('a\nb', 'c')).toThrow('newline');
  });
});

describe('writeStoredZip', () => {
  it('lays out one entry as computed by hand: data at byte 64, then the directory and the end record', () => {
    const zip = writeStoredZip([{ name: 'a', data: Uint8Array.of(1, 2, 3) }]);
    // local header 30 + name 1 + "FB" field header 4 = 35 bytes, padded by 29 'Z's to 64
    expect(zip.length).toBe(64 + 3 + 46 + 1 + 22);
    expect([...zip.subarray(31, 35)]).toEqual([0x46, 0x42, 29, 0]);
    expect([...zip.subarray(64, 67)]).toEqual([1, 2, 3]);
    expect(openZip(zip).read('a')).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('aligns every entry to 64 bytes, reads back exactly and is deterministic', () => {
    const entries = ['x/data.pkl', 'x/byteorder', 'x/data/0', 'x/empty', 'x/é'].map((name, i) => ({
      name, data: Uint8Array.from({ length: i * 37 + (i === 3 ? -111 : 0) }, (_, j) => (j * 7 + i) & 0xff),
    }));
    const zip = writeStoredZip(entries);
    const view = new DataView(zip.buffer);
    const archive = openZip(zip);
    expect(archive.names).toEqual(entries.map((e) => e.name));
    let local = 0;
    for (const entry of entries) {
      expect(archive.read(entry.name)).toEqual(entry.data);
      expect(view.getUint32(local, true)).toBe(0x04034b50);
      const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
      expect(start % 64, entry.name).toBe(0);
      local = start + entry.data.length;
    }
    expect(writeStoredZip(entries)).toEqual(zip);
  });
});

/**
 * A stem whose conv and BatchNorm are reached by two paths (`encoder.*` and `stem.*`, as AlbuNet shares its encoder),
 * and a classifier no node reads (AlbuNet's `encoder.fc`).
 */
function sharedStemGraph(): GraphIR {
  const param = (name: string, shape: number[], role: 'parameter' | 'buffer' = 'parameter') =>
    ({ name, shape, role, part: 'encoder' as const, init: { kind: 'constant' as const, value: 0 } });
  const bn = ['weight', 'bias', 'running_mean', 'running_var'].map((t) => param(`encoder.bn1.${t}`, [4], t.startsWith('running') ? 'buffer' : 'parameter'));
  const graph: GraphIR = {
    inputs: [{ name: 'image', channels: 2 }],
    outputs: [{ name: 'logits', value: 'y', kind: 'map' }],
    nodes: [
      { op: 'conv2d', inputs: ['image'], output: 'c', weight: 'encoder.conv1.weight', bias: null, inChannels: 2, outChannels: 4, kernel: [3, 3], stride: [1, 1], pad: [1, 1, 1, 1], dilation: [1, 1], groups: 1 },
      { op: 'batchNorm', inputs: ['c'], output: 'y', channels: 4, weight: 'encoder.bn1.weight', bias: 'encoder.bn1.bias', runningMean: 'encoder.bn1.running_mean', runningVar: 'encoder.bn1.running_var', eps: 1e-5, momentum: 0.1 },
    ],
    params: [param('encoder.conv1.weight', [4, 2, 3, 3]), ...bn, param('encoder.fc.weight', [3, 4]), param('encoder.fc.bias', [3])],
    aliases: {
      'stem.0.weight': 'encoder.conv1.weight',
      ...Object.fromEntries(['weight', 'bias', 'running_mean', 'running_var'].map((t) => [`stem.1.${t}`, `encoder.bn1.${t}`])),
    },
  };
  validateGraph(graph);
  return graph;
}

/** Distinct values per tensor, with the floats an exporter could lose: NaN, −0, a subnormal, float32's largest. */
function sharedStemWeights(graph: GraphIR): Map<string, Float32Array> {
  return new Map(graph.params.map(({ name, shape }, t) => {
    const data = Float32Array.from({ length: shape.reduce((n, d) => n * d, 1) }, (_, i) => t + i / 64 + 0.5);
    if (t === 0) data.set([NaN, -0, 1e-40, 3.4028234663852886e38]);
    return [name, data];
  }));
}

const STEM_KEYS = [
  'encoder.conv1.weight', 'encoder.bn1.weight', 'encoder.bn1.bias', 'encoder.bn1.running_mean', 'encoder.bn1.running_var',
  'encoder.bn1.num_batches_tracked', 'encoder.fc.weight', 'encoder.fc.bias',
  'stem.0.weight', 'stem.1.weight', 'stem.1.bias', 'stem.1.running_mean', 'stem.1.running_var', 'stem.1.num_batches_tracked',
];

describe('torchStateDict', () => {
  const graph = sharedStemGraph();
  const weights = sharedStemWeights(graph);

  it("lists the module's state_dict: counters after running_var, aliases on the storage they repeat", () => {
    const tensors = torchStateDict(graph, weights);
    expect(tensors.map((t) => t.name)).toEqual(STEM_KEYS);
    const byName = new Map(tensors.map((t) => [t.name, t]));
    expect(byName.get('encoder.conv1.weight')!.storage.data).toBe(weights.get('encoder.conv1.weight'));
    expect(byName.get('stem.0.weight')!.storage).toBe(byName.get('encoder.conv1.weight')!.storage);
    expect(byName.get('stem.1.running_var')).toMatchObject({ shape: [4], storage: byName.get('encoder.bn1.running_var')!.storage });
    expect(byName.get('encoder.bn1.num_batches_tracked')).toEqual({ name: 'encoder.bn1.num_batches_tracked', shape: [], storage: { dtype: 'int64', data: BigInt64Array.of(0n) } });
    expect(byName.get('stem.1.num_batches_tracked')!.storage).toBe(byName.get('encoder.bn1.num_batches_tracked')!.storage);
  });

  it('takes weights under alias names and refuses a missing or mis-sized tensor', () => {
    const underAlias = new Map([...weights].map(([name, data]) => [name === 'encoder.conv1.weight' ? 'stem.0.weight' : name, data]));
    expect(torchStateDict(graph, underAlias).map((t) => t.name)).toEqual(STEM_KEYS);
    expect(() => torchStateDict(graph, new Map([...weights].slice(1)))).toThrow('weights lack encoder.conv1.weight');
    expect(() => torchStateDict(graph, new Map([...weights, ['encoder.fc.bias', new Float32Array(2)]]))).toThrow('encoder.fc.bias: 2 values');
  });

  it('refuses a BatchNorm whose running variance has no PyTorch counter name', () => {
    const odd = sharedStemGraph();
    const renamed: GraphIR = {
      ...odd,
      nodes: odd.nodes.map((n) => (n.op === 'batchNorm' ? { ...n, runningVar: 'encoder.bn1.var' } : n)),
      params: odd.params.map((p) => (p.name === 'encoder.bn1.running_var' ? { ...p, name: 'encoder.bn1.var' } : p)),
      aliases: { 'stem.0.weight': 'encoder.conv1.weight' },
    };
    const renamedWeights = new Map([...weights].map(([n, d]) => [n === 'encoder.bn1.running_var' ? 'encoder.bn1.var' : n, d]));
    expect(() => torchStateDict(renamed, renamedWeights)).toThrow('encoder.bn1.var: a BatchNorm running variance not named *running_var');
  });
});

/** Every float tensor bit for bit, every counter an int64 0. */
function expectExported(dict: StateDict, graph: GraphIR, weights: ReadonlyMap<string, Float32Array>): void {
  for (const [name, tensor] of dict) {
    if (name.endsWith('num_batches_tracked')) {
      expect({ name, dtype: tensor.dtype, shape: tensor.shape, data: [...tensor.data] }).toEqual({ name, dtype: 'int64', shape: [], data: [0n] });
      continue;
    }
    const canonical = graph.aliases[name] ?? name;
    expect(tensor.dtype, name).toBe('float32');
    expect(tensor.shape, name).toEqual(graph.params.find((p) => p.name === canonical)!.shape);
    expect(bits(tensor.data as Float32Array).equals(bits(weights.get(canonical)!)), name).toBe(true);
  }
}

describe("written files, read back by Pleura's importer", () => {
  const graph = sharedStemGraph();
  const weights = sharedStemWeights(graph);
  const tensors = torchStateDict(graph, weights);
  const aliases = Object.entries(graph.aliases).map(([prefix, sameAs]) => ({ prefix, sameAs }));

  it('.pth: every key, bit-identical, aliases sharing one array as they share one storage', () => {
    const file = writeTorchStateDict(tensors);
    const dict = readStateDict(file);
    expect([...dict.keys()]).toEqual(STEM_KEYS);
    expectExported(dict, graph, weights);
    expect(dict.get('stem.0.weight')!.data).toBe(dict.get('encoder.conv1.weight')!.data);
    expect(checkStateDict(graph.params, dict, { aliases }).size).toBe(graph.params.length);
    // one storage entry per distinct storage: 7 tensors and one counter
    expect(openZip(file).names).toEqual([
      'archive/data.pkl', 'archive/byteorder', ...Array.from({ length: 8 }, (_, i) => `archive/data/${i}`), 'archive/version',
    ]);
    expect(new TextDecoder().decode(openZip(file).read('archive/version'))).toBe('3\n');
  });

  it('.safetensors: the standard header, 8-byte aligned with spaces, every key with its own bytes', () => {
    const file = writeSafetensors(tensors);
    const length = Number(new DataView(file.buffer).getBigUint64(0, true));
    expect(length % 8).toBe(0);
    const text = new TextDecoder().decode(file.subarray(8, 8 + length));
    expect(text).toMatch(/^\{"__metadata__":\{"format":"pt"\},"encoder\.conv1\.weight":\{"dtype":"F32","shape":\[4,2,3,3\],"data_offsets":\[0,288\]\}.*\} *$/);
    const header = JSON.parse(text) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
    expect(header['encoder.bn1.num_batches_tracked']).toEqual({ dtype: 'I64', shape: [], data_offsets: [352, 360] });
    expect(file.length - 8 - length).toBe(header['stem.1.num_batches_tracked'].data_offsets[1]);
    const dict = readStateDict(file);
    expect([...dict.keys()]).toEqual(STEM_KEYS);
    expectExported(dict, graph, weights);
    expect(checkStateDict(graph.params, dict, { aliases }).size).toBe(graph.params.length);
    expect(() => writeSafetensors([...tensors, tensors[0]])).toThrow('encoder.conv1.weight is written twice');
  });

  it('the bundled model exports every tensor and a counter per BatchNorm, in both formats', async () => {
    const model = await loadModel(DEMO);
    const batchNorms = model.definition.graph.nodes.filter((n) => n.op === 'batchNorm').length;
    for (const format of ['pth', 'safetensors'] as const) {
      const { bytes: file, keys, card } = await exportTorchModel(DEMO, format);
      expect(card.id).toBe('pleura-demo');
      const dict = readStateDict(file);
      expect([...dict.keys()]).toEqual(keys);
      expect(dict.size).toBe(model.definition.graph.params.length + batchNorms);
      expectExported(dict, model.definition.graph, model.weights);
    }
  });

  it('import-torch then export-torch gives the same file, byte for byte', async () => {
    const first = await exportTorchModel(DEMO, 'pth');
    const file = path.join(root, 'demo.pth');
    writeFileSync(file, first.bytes);
    const out = path.join(root, 'reimported');
    await importTorchModel(file, out, { arch: 'unet-light', size: 256, tool: 'pleura 0.1.0' });
    const again = await exportTorchModel(out, 'pth');
    expect(Buffer.from(again.bytes).equals(Buffer.from(first.bytes))).toBe(true);
  });

  it('tells the format by the extension, in any case', () => {
    expect(['a.pth', 'b.PTH', 'c.safetensors', 'd.SafeTensors', 'e.pt', 'f', 'g.pth.bak'].map(torchFileFormat))
      .toEqual(['pth', 'pth', 'safetensors', 'safetensors', null, null, null]);
  });
});

describe('pleura export-torch', () => {
  afterEach(() => vi.restoreAllMocks());

  async function run(positionals: string[], values: Record<string, string | boolean> = {}) {
    let stdout = '';
    let stderr = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
    try {
      return { code: await exportTorch.run({ positionals, values }), stdout, stderr };
    } finally {
      vi.restoreAllMocks();
    }
  }

  it('writes .pth and .safetensors, creating the folder, leaving nothing else behind', async () => {
    const folder = path.join(root, 'cli', 'new');
    for (const name of ['demo.pth', 'demo.safetensors']) {
      const out = path.join(folder, name);
      const result = await run([DEMO], { out });
      expect(result).toMatchObject({ code: 0, stderr: '' });
      const summary = JSON.parse(result.stdout);
      expect(summary).toMatchObject({ model: expect.stringMatching(/^pleura-demo@/), out, format: torchFileFormat(name), tensors: 122 });
      expect(summary.bytes).toBe(readFileSync(out).length);
      expect(readStateDict(readFileSync(out)).size).toBe(122);
    }
    expect(readdirSync(folder).sort()).toEqual(['demo.pth', 'demo.safetensors']);
  });

  it('refuses to overwrite without --force, and replaces a link rather than writing through it', async () => {
    const out = path.join(root, 'cli', 'existing.pth');
    writeFileSync(out, 'keep me');
    const refused = await run([DEMO], { out });
    expect(refused).toEqual({ code: 1, stdout: '', stderr: `pleura: refusing to write ${out}: the file exists; add --force to replace it\n` });
    expect(readFileSync(out, 'utf8')).toBe('keep me');
    expect((await run([DEMO], { out, force: true })).code).toBe(0);
    expect(readStateDict(readFileSync(out)).size).toBe(122);

    const elsewhere = path.join(root, 'cli', 'elsewhere.txt');
    writeFileSync(elsewhere, 'not a model');
    const link = path.join(root, 'cli', 'link.pth');
    symlinkSync(elsewhere, link);
    expect((await run([DEMO], { out: link })).stderr).toMatch('the file exists');
    expect((await run([DEMO], { out: link, force: true })).code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(false);
    expect(readFileSync(elsewhere, 'utf8')).toBe('not a model');
  });

  it('refuses a folder, a system folder (links resolved) and a path no file system takes', async () => {
    const folder = path.join(root, 'cli', 'folder.pth');
    mkdirSync(folder, { recursive: true });
    expect((await run([DEMO], { out: folder, force: true })).stderr).toBe(`pleura: refusing to write ${folder}: it is a folder\n`);
    expect((await run([DEMO], { out: '/proc/weights.pth', force: true })).stderr).toBe('pleura: refusing to write /proc/weights.pth: it is in /proc, a system folder\n');
    const toProc = path.join(root, 'cli', 'to-proc');
    symlinkSync('/proc', toProc);
    expect(readlinkSync(toProc)).toBe('/proc');
    const viaLink = path.join(toProc, 'weights.pth');
    expect((await run([DEMO], { out: viaLink })).stderr).toBe(`pleura: refusing to write ${viaLink}: it is in /proc, a system folder\n`);
    const long = path.join(root, `${'x'.repeat(300)}.pth`);
    expect((await run([DEMO], { out: long })).stderr).toMatch(/longer than 255 bytes/);
  });

  it('refuses a missing or damaged model folder, writing nothing', async () => {
    const out = path.join(root, 'cli', 'never.pth');
    const missing = path.join(root, 'no-such-model');
    expect(await run([missing], { out })).toEqual({ code: 1, stdout: '', stderr: `pleura: ${path.join(missing, 'card.json')} is missing (every Pleura model folder has one)\n` });
    const damaged = path.join(root, 'damaged-model');
    cpSync(DEMO, damaged, { recursive: true });
    const weights = readFileSync(path.join(damaged, 'weights.bin'));
    weights[0] ^= 1;
    writeFileSync(path.join(damaged, 'weights.bin'), weights);
    const result = await run([damaged], { out });
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toMatch(`pleura: ${path.join(damaged, 'weights.bin')}: sha256 `);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses another extension and missing arguments as usage errors', async () => {
    await expect(run([DEMO], { out: path.join(root, 'weights.pt') })).rejects.toThrow(CliUsageError);
    await expect(run([DEMO], { out: path.join(root, 'weights.pt') })).rejects.toThrow('--out must end in .pth (torch.save) or .safetensors, got');
    await expect(run([DEMO], {})).rejects.toThrow(/expected one model folder and --out\nusage: pleura export-torch MODELDIR/);
    await expect(run([], { out: 'x.pth' })).rejects.toThrow(/expected one model folder/);
  });
});

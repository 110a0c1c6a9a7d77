// export-torch against PyTorch itself: a state_dict torch.save wrote for a real nn.Module (AlbuNet's layout, its
// encoder shared) goes through import-torch and export-torch and comes back bit for bit, storage sharing included;
// torch.load(weights_only=True) and load_state_dict(strict=True) take what Pleura writes, .pth and .safetensors.
// Needs /usr/bin/python3 with torch (Debian: python3-torch); skipped with a message where it is absent.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithTorch } from '../train/onnx/torch-reference';
import { exportTorchModel } from '../../../ml/io/export-torch';
import { importTorchModel } from '../../../ml/io/import-torch';
import { loadModel, type LoadedModel } from '../../../ml/io/model-store';
import { createModel, type GraphIR } from '../../../ml/models';

const python = '/usr/bin/python3';
const script = path.join(import.meta.dirname, 'torch_roundtrip.py');

interface KeyDigest {
  dtype: string;
  shape: number[];
  sha256: string;
  /** equal for keys whose tensors share memory */
  storage: number;
  values?: number[];
}
interface FileDigest {
  keys: string[];
  tensors: Record<string, KeyDigest>;
  /** 'ok', or load_state_dict(strict=True)'s complaint */
  strict: string;
  metadata?: Record<string, string>;
  headerLength?: number;
  tiled?: boolean;
}

function torch(args: string[]): string {
  const result = spawnSync(python, [script, ...args], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 2 ** 20 });
  if (result.status !== 0) throw new Error(`torch_roundtrip.py ${args[0]} failed: ${result.stderr}`);
  return result.stdout;
}

/** One torch run for every [graph, file] pair. */
function digest(pairs: Array<[string, string]>): FileDigest[] {
  return (JSON.parse(torch(['digest', ...pairs.flat()])) as { files: FileDigest[] }).files;
}

/** Key → the keys sharing its storage, as a comparable partition. */
function sharing(file: FileDigest): Map<string, string> {
  const groups = new Map<number, string[]>();
  for (const [name, { storage }] of Object.entries(file.tensors)) groups.set(storage, [...(groups.get(storage) ?? []), name]);
  return new Map(Object.entries(file.tensors).map(([name, { storage }]) => [name, groups.get(storage)!.sort().join(' ')]));
}

const isCounter = (name: string) => name.endsWith('num_batches_tracked');

describeWithTorch('export-torch against a real PyTorch', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pleura-export-torch-py-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const graphFile = (name: string, graph: GraphIR) => {
    const file = path.join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(graph));
    return file;
  };
  const albunet = graphFile('albunet', createModel('albunet', { nf: 4 }).graph);
  let demo: LoadedModel;
  let source: FileDigest, reexported: FileDigest, demoPth: FileDigest, demoSafetensors: FileDigest;

  beforeAll(async () => {
    // AlbuNet as torch.save wrote it, imported and exported again
    const original = path.join(dir, 'original.pth');
    torch(['save-module', albunet, original, '3']);
    const folder = path.join(dir, 'albunet');
    await importTorchModel(original, folder, { arch: 'albunet', archOptions: { nf: 4 }, size: 256, tool: 'pleura 0.1.0' });
    const exported = path.join(dir, 'exported.pth');
    writeFileSync(exported, (await exportTorchModel(folder, 'pth')).bytes);
    // the bundled model, both formats
    demo = await loadModel(path.join(import.meta.dirname, '../../../models/pleura-demo'));
    const demoFiles = { pth: path.join(dir, 'demo.pth'), safetensors: path.join(dir, 'demo.safetensors') };
    for (const format of ['pth', 'safetensors'] as const) writeFileSync(demoFiles[format], (await exportTorchModel(demo.dir, format)).bytes);
    const demoGraph = graphFile('demo', demo.definition.graph);
    [source, reexported, demoPth, demoSafetensors] = digest([
      [albunet, original], [albunet, exported], [demoGraph, demoFiles.pth], [demoGraph, demoFiles.safetensors],
    ]);
  });

  it("torch.save of an AlbuNet module → import-torch → export-torch: torch.load gives the original's tensors bit for bit", () => {
    expect(source.keys.some((k) => k.startsWith('conv2.0.'))).toBe(true); // the module shares its encoder, as AlbuNet does
    expect(reexported.strict).toBe('ok');
    expect([...reexported.keys].sort()).toEqual([...source.keys].sort());
    for (const [name, theirs] of Object.entries(source.tensors)) {
      const mine = reexported.tensors[name];
      if (isCounter(name)) {
        // Pleura does not track the batches a BatchNorm saw: a fresh counter, where the original said 7
        expect({ name, theirs: theirs.values, mine: { dtype: mine.dtype, shape: mine.shape, values: mine.values } })
          .toEqual({ name, theirs: [7], mine: { dtype: 'int64', shape: [], values: [0] } });
      } else {
        expect({ name, ...mine, storage: 0 }).toEqual({ name, ...theirs, storage: 0 });
      }
    }
    expect(sharing(reexported)).toEqual(sharing(source));
  });

  it("torch.load(weights_only=True) of the bundled model's export: every weight, a counter per BatchNorm, strict load", () => {
    const { graph } = demo.definition;
    const batchNorms = graph.nodes.filter((n) => n.op === 'batchNorm').length;
    for (const file of [demoPth, demoSafetensors]) {
      expect(file.strict).toBe('ok');
      expect(file.keys.length).toBe(graph.params.length + batchNorms);
      expect(file.keys.filter(isCounter).every((k) => file.tensors[k].values![0] === 0 && file.tensors[k].dtype === 'int64')).toBe(true);
      for (const { name, shape } of graph.params) {
        const data = demo.weights.get(name)!;
        const sha256 = createHash('sha256').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex');
        expect({ name, ...file.tensors[name], storage: 0 }).toEqual({ name, dtype: 'float32', shape, sha256, storage: 0 });
      }
    }
    expect(demoSafetensors).toMatchObject({ metadata: { format: 'pt' }, tiled: true });
    expect(demoSafetensors.headerLength! % 8).toBe(0);
  });
});

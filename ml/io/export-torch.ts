// A Pleura model back as PyTorch weights: the state_dict the PyTorch module would save, under its original names,
// as a torch.save zip (.pth) or a .safetensors file. import-torch and then export-torch gives back the same values.
import path from 'node:path';
import { resolveWeights, type BatchNormNode, type GraphIR, type WeightMap } from '../models';
import type { ModelCard } from './model-card';
import { loadModel } from './model-store';
import { writeSafetensors } from './safetensors';
import { writeTorchStateDict, type SavedStorage, type SavedTensor } from './torch/write-state-dict';

export type TorchFileFormat = 'pth' | 'safetensors';

const EXTENSIONS: Record<string, TorchFileFormat> = { '.pth': 'pth', '.safetensors': 'safetensors' };

/** The format a file name asks for by its extension (any case), or null for any other name. */
export function torchFileFormat(file: string): TorchFileFormat | null {
  return EXTENSIONS[path.extname(file).toLowerCase()] ?? null;
}

/**
 * Every key of the PyTorch module's state_dict, in the graph's order: each tensor of the graph; after each BatchNorm's
 * running_var its `num_batches_tracked`, which Pleura does not model (import skips it) and writes as int64 0 — what a
 * BatchNorm holds before training, and ignored by PyTorch while momentum is set, as in every Pleura architecture —
 * so that load_state_dict(strict=True) finds it; then the graph's aliases (AlbuNet's `conv2.*`), each sharing the
 * storage of the tensor it repeats, as in PyTorch, with the counters of aliased BatchNorms shared the same way.
 */
export function torchStateDict(graph: GraphIR, weights: WeightMap): SavedTensor[] {
  const resolved = resolveWeights(graph, weights);
  const runningVars = new Set(graph.nodes.filter((n): n is BatchNormNode => n.op === 'batchNorm').map((n) => n.runningVar));
  const storages = new Map<string, SavedStorage>();
  const counters = new Map<string, SavedStorage>();
  const out: SavedTensor[] = [];
  for (const { name, shape } of graph.params) {
    const storage: SavedStorage = { dtype: 'float32', data: resolved.get(name)! };
    storages.set(name, storage);
    out.push({ name, shape, storage });
    if (runningVars.has(name)) {
      const counter: SavedStorage = { dtype: 'int64', data: new BigInt64Array(1) };
      counters.set(name, counter);
      out.push({ name: counterName(name), shape: [], storage: counter });
    }
  }
  const shapes = new Map(graph.params.map((p) => [p.name, p.shape]));
  for (const [alias, canonical] of Object.entries(graph.aliases)) {
    out.push({ name: alias, shape: shapes.get(canonical)!, storage: storages.get(canonical)! });
    const counter = counters.get(canonical);
    if (counter) out.push({ name: counterName(alias), shape: [], storage: counter });
  }
  return out;
}

/** PyTorch's BatchNorm keeps `num_batches_tracked` beside `running_var`, in the same module. */
function counterName(runningVar: string): string {
  if (!runningVar.endsWith('running_var')) {
    throw new Error(`${runningVar}: a BatchNorm running variance not named *running_var has no PyTorch num_batches_tracked name`);
  }
  return `${runningVar.slice(0, -'running_var'.length)}num_batches_tracked`;
}

export function encodeTorchStateDict(tensors: readonly SavedTensor[], format: TorchFileFormat): Uint8Array {
  return format === 'pth' ? writeTorchStateDict(tensors) : writeSafetensors(tensors);
}

export interface TorchExport {
  card: ModelCard;
  /** the file's contents */
  bytes: Uint8Array;
  /** the state_dict keys written, in file order */
  keys: string[];
}

/** Loads and verifies the model folder `dir` (ModelFolderError when it is missing or damaged) and encodes it. */
export async function exportTorchModel(dir: string, format: TorchFileFormat): Promise<TorchExport> {
  const { card, definition, weights } = await loadModel(dir);
  const tensors = torchStateDict(definition.graph, weights);
  return { card, bytes: encodeTorchStateDict(tensors, format), keys: tensors.map((t) => t.name) };
}

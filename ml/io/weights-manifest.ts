// Weights in the TF.js weights-manifest format (what `tf.io.decodeWeights` and `tf.io.loadWeights` read): a JSON
// manifest of groups, each listing its binary files and, in order, the tensors packed into them. Pleura writes one
// group and one file, float32 little-endian, tensors under their PyTorch state_dict names and in PyTorch layouts
// (conv [out, in, kh, kw]): the graph IR uses those layouts, so both runtimes read them without a transpose.
import { z } from 'zod';
import type { GraphIR, WeightMap } from '../models';
import { numel } from '../models/counters';
import { invalidFile, ModelFolderError } from './model-folder-error';

export const WEIGHTS_FILE = 'weights.bin';
export const MANIFEST_FILE = 'weights.json';

const WeightEntry = z.object({ name: z.string().min(1), shape: z.array(z.number().int().nonnegative()), dtype: z.literal('float32') });
export const WeightsManifest = z.array(z.object({ paths: z.array(z.string().min(1)).min(1), weights: z.array(WeightEntry) }));
export type WeightsManifest = z.infer<typeof WeightsManifest>;

// Typed arrays use the host's byte order; every platform Pleura ships for (x64, arm64) is little-endian, and this
// refuses to write or read a file in the wrong order anywhere else.
const LITTLE_ENDIAN = new Uint8Array(Float32Array.of(1).buffer)[3] === 0x3f;
function requireLittleEndian(): void {
  if (!LITTLE_ENDIAN) throw new ModelFolderError('weights files are little-endian; this host is big-endian');
}

/** Packs every tensor of the graph, in the graph's order (weights must already be resolved to canonical names). */
export function encodeWeights(graph: GraphIR, weights: WeightMap, binName = WEIGHTS_FILE): { manifest: WeightsManifest; bin: Uint8Array } {
  requireLittleEndian();
  const total = graph.params.reduce((sum, p) => sum + numel(p.shape), 0);
  const packed = new Float32Array(total);
  let offset = 0;
  for (const { name, shape } of graph.params) {
    const data = weights.get(name);
    if (data?.length !== numel(shape)) throw new ModelFolderError(`weights lack ${name} [${shape}] or hold another size`);
    packed.set(data, offset);
    offset += data.length;
  }
  const entries = graph.params.map((p) => ({ name: p.name, shape: [...p.shape], dtype: 'float32' as const }));
  return { manifest: [{ paths: [binName], weights: entries }], bin: new Uint8Array(packed.buffer) };
}

/**
 * Unpacks a manifest of the form encodeWeights writes (one group of one file, `binName`) and checks it against the
 * graph: every parameter present once with its shape, nothing else, and exactly the bytes the manifest accounts
 * for. Each tensor gets its own array. Errors name `source`, the manifest's file.
 */
export function decodeWeights(
  graph: GraphIR,
  manifestJson: unknown,
  bin: Uint8Array,
  { binName = WEIGHTS_FILE, source = MANIFEST_FILE } = {},
): Map<string, Float32Array> {
  requireLittleEndian();
  const parsed = WeightsManifest.safeParse(manifestJson);
  if (!parsed.success) throw invalidFile(source, parsed.error, 'not a float32 TF.js weights manifest');
  const manifest = parsed.data;
  if (manifest.length !== 1 || manifest[0].paths.length !== 1 || manifest[0].paths[0] !== binName) {
    throw new ModelFolderError(`${source}: expected one weights group stored in ${binName}, found ${JSON.stringify(manifest.map((g) => g.paths))}`);
  }
  const entries = manifest[0].weights;
  const expected = new Map(graph.params.map((p) => [p.name, p.shape]));
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const { name, shape } of entries) {
    const want = expected.get(name);
    if (seen.has(name)) problems.push(`${name} is listed twice`);
    else if (!want) problems.push(`${name} is not a tensor of this architecture`);
    else if (want.join(',') !== shape.join(',')) problems.push(`${name} is [${shape}], the architecture wants [${want}]`);
    seen.add(name);
  }
  const missing = [...expected.keys()].filter((name) => !seen.has(name));
  if (missing.length) problems.push(`missing: ${missing.join(', ')}`);
  const bytes = entries.reduce((sum, e) => sum + 4 * numel(e.shape), 0);
  if (bytes !== bin.byteLength) problems.push(`the tensors take ${bytes} bytes, ${binName} holds ${bin.byteLength}`);
  if (problems.length) throw new ModelFolderError(`${source}: the weights do not fit the model — ${problems.join('; ')}`);

  const weights = new Map<string, Float32Array>();
  let offset = bin.byteOffset;
  for (const { name, shape } of entries) {
    const length = numel(shape) * 4;
    // slice copies, so every tensor is aligned and owns its memory whatever buffer the file was read into
    weights.set(name, new Float32Array(bin.buffer.slice(offset, offset + length)));
    offset += length;
  }
  return weights;
}

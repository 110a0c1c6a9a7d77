// PyTorch weights into a Pleura model folder: a torch.save'd state_dict (zip) or a .safetensors file, checked
// tensor by tensor against the architecture, written with the ONNX graph and a card that records the source file.
import path from 'node:path';
import type { GraphIR } from '../models';
import { checkReplaceable } from './atomic-folder';
import type { ModelCard } from './model-card';
import type { WriteModelOptions } from './model-store';
import { writeModel } from './model-store';
import { buildArchitecture, newCardBody, type NewModelOptions } from './new-model';
import { sha256File } from './sha256';
import { checkStateDict, readStateDictFile, type TensorAlias } from './torch';

/**
 * Throws StateDictMismatchError naming every missing key, unexpected key and shape mismatch, or
 * StateDictReadError for a file that is not a readable state dict; writes nothing then.
 */
export async function importTorchModel(file: string, out: string, options: NewModelOptions, writeOptions?: WriteModelOptions): Promise<ModelCard> {
  const definition = buildArchitecture(options.arch, options.archOptions, options.size);
  await checkReplaceable(out, writeOptions?.overwrite);
  const dict = await readStateDictFile(file);
  const tensors = checkStateDict(definition.graph.params, dict, { aliases: aliasesOf(definition.graph) });
  const weights = new Map([...tensors].map(([name, tensor]) => [name, tensor.data]));
  const provenance = { source: 'pytorch' as const, file: path.basename(file), sha256: await sha256File(file) };
  const notes = 'Imported PyTorch weights, not validated by Pleura. Not for clinical use.';
  const card = newCardBody(definition, options, provenance, notes);
  return writeModel(out, { definition, weights, card }, writeOptions);
}

/**
 * The graph's further state_dict spellings of shared tensors (AlbuNet's `conv2.*` for `encoder.layer1.*`), as
 * checkStateDict's prefix aliases. Each is a whole name, which as a prefix matches only itself: no parameter
 * name extends another.
 */
function aliasesOf(graph: GraphIR): TensorAlias[] {
  return Object.entries(graph.aliases).map(([alias, canonical]) => ({ prefix: alias, sameAs: canonical }));
}

// `pleura export-torch MODELDIR --out X.pth|X.safetensors [--force]`: a Pleura model folder's weights as a PyTorch
// state_dict under their original names, for torch.load or safetensors. The file is written whole or not at all,
// never over an existing file without --force, never into a system folder.
import { lstat, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { exportTorchModel, torchFileFormat } from '../../../ml/io/export-torch';
import { modelRef } from '../../../ml/io/model-card';
import { writeFileAtomically } from '../../fs/atomic-file';
import { resolveExisting } from '../../fs/contained-path';
import { requestedPathProblem } from '../../fs/requested-path';
import { systemFolderOf } from '../../fs/system-folders';
import { CliUsageError, type CliCommand } from '../run';
import { reportModelError } from './import-torch';

/**
 * Where `requested` is to be written — its folder's real path (links resolved) and its own name — or why it must
 * not be. The file itself is not resolved: a link there is replaced by the new file, never written through.
 */
export async function exportTarget(requested: string, force: boolean): Promise<{ file: string } | { refused: string }> {
  const problem = requestedPathProblem(requested);
  if (problem) return { refused: problem };
  const absolute = path.resolve(requested);
  const folder = await resolveExisting(path.dirname(absolute));
  const system = systemFolderOf(folder);
  if (system) return { refused: `it is in ${system}` };
  const file = path.join(folder, path.basename(absolute));
  const existing = await lstat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (existing?.isDirectory()) return { refused: 'it is a folder' };
  if (existing && !force) return { refused: 'the file exists; add --force to replace it' };
  return { file };
}

export const exportTorch: CliCommand = {
  usage: 'export-torch MODELDIR --out WEIGHTS.pth|WEIGHTS.safetensors [--force]',
  summary: "write a model folder's weights as a PyTorch state_dict with its original names: torch.save zip (.pth) or .safetensors",
  options: { out: { type: 'string' }, force: { type: 'boolean' } },
  async run({ positionals, values }) {
    const { out } = values;
    if (positionals.length !== 1 || typeof out !== 'string') throw new CliUsageError(`expected one model folder and --out\nusage: pleura ${exportTorch.usage}`);
    const format = torchFileFormat(out);
    if (!format) throw new CliUsageError(`--out must end in .pth (torch.save) or .safetensors, got "${out}"`);
    const force = Boolean(values.force);
    const refuse = (why: string): number => {
      process.stderr.write(`pleura: refusing to write ${out}: ${why}\n`);
      return 1;
    };
    try {
      const target = await exportTarget(out, force);
      if ('refused' in target) return refuse(target.refused);
      const { card, bytes, keys } = await exportTorchModel(positionals[0], format);
      // Encoding a large model takes seconds: a file that appeared meanwhile is refused all the same.
      const still = await exportTarget(out, force);
      if ('refused' in still) return refuse(still.refused);
      await mkdir(path.dirname(still.file), { recursive: true });
      await writeFileAtomically(still.file, bytes);
      const summary = { model: modelRef(card), out: still.file, format, tensors: keys.length, bytes: bytes.byteLength };
      process.stdout.write(`${JSON.stringify(summary)}\n`);
      return 0;
    } catch (error) {
      return reportModelError(error);
    }
  },
};

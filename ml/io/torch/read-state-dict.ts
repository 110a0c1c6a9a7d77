import { readFile } from 'node:fs/promises';
import { readSafetensors } from '../safetensors';
import { StateDictReadError, type StateDict } from './tensor';
import { readTorchStateDict } from './torch-zip';

/**
 * A weights file of either kind, told apart by content rather than extension: a .safetensors file has '{' right
 * after its 8-byte header length (a byte no torch file has there), a torch.save zip starts with a zip local header
 * (or, in the legacy format, with a pickle — refused with advice).
 */
export function readStateDict(bytes: Uint8Array): StateDict {
  if (bytes.byteLength > 8 && bytes[8] === 0x7b) return readSafetensors(bytes);
  if ((bytes[0] === 0x50 && bytes[1] === 0x4b) || bytes[0] === 0x80) return readTorchStateDict(bytes);
  throw new StateDictReadError('not a PyTorch (torch.save) or safetensors weights file');
}

/** The only I/O: reads the whole file, then readStateDict. Errors name the file. */
export async function readStateDictFile(path: string): Promise<StateDict> {
  const bytes = await readFile(path);
  try {
    return readStateDict(bytes);
  } catch (error) {
    if (error instanceof StateDictReadError) throw new StateDictReadError(`${path}: ${error.message}`);
    throw error;
  }
}

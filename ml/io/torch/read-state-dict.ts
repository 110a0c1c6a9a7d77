import { open } from 'node:fs/promises';
import { readSafetensors } from '../safetensors';
import { MAX_WEIGHTS_FILE_BYTES } from '../weights-limits';
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

/** The only I/O: reads the whole file (refused unread past `maxBytes`), then readStateDict. Errors name the file. */
export async function readStateDictFile(path: string, maxBytes = MAX_WEIGHTS_FILE_BYTES): Promise<StateDict> {
  try {
    return readStateDict(await readWhole(path, maxBytes));
  } catch (error) {
    if (error instanceof StateDictReadError) throw new StateDictReadError(`${path}: ${error.message}`);
    throw error;
  }
}

async function readWhole(path: string, maxBytes: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw new StateDictReadError(`the file holds ${size} bytes, more than the ${maxBytes} bytes Pleura reads as weights`);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

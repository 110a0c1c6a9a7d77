// Checkpoints on disk: one folder per checkpoint under MODELDIR/checkpoints/, holding state.json (the state as JSON,
// each Float32Array replaced by a reference) and tensors.bin (the arrays, back to back). A folder is published in
// one rename (ml/io/atomic-folder), so a kill leaves the previous checkpoint or the new one, never a torn one.
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { publishFolder } from '../io/atomic-folder';

const STATE_FILE = 'state.json';
const TENSORS_FILE = 'tensors.bin';
const FORMAT = 'pleura-checkpoint';
const STEP_PREFIX = 'step-';

type TensorRef = { $f32: [offset: number, length: number] };

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** The folder name of the resumable checkpoint after `globalStep` steps; names sort by step. */
export function stepCheckpointName(globalStep: number): string {
  return `${STEP_PREFIX}${String(globalStep).padStart(10, '0')}`;
}

/** Writes `state` (plain data: JSON values, Float32Arrays and Maps with string keys) as checkpoints/`name`. */
export async function writeCheckpoint(checkpointsDir: string, name: string, state: unknown): Promise<string> {
  const arrays: Float32Array[] = [];
  let offset = 0;
  const json = JSON.stringify(state, function replacer(this: unknown, key: string, value: unknown) {
    // JSON.stringify calls toJSON-less typed arrays with the array itself: read it off the holder.
    const raw = (this as Record<string, unknown>)[key];
    if (raw instanceof Float32Array) {
      arrays.push(raw);
      const ref: TensorRef = { $f32: [offset, raw.length] };
      offset += raw.length;
      return ref;
    }
    if (raw instanceof Map) return { $map: [...raw.entries()] };
    return value;
  });
  const bin = new Float32Array(offset);
  let at = 0;
  for (const array of arrays) {
    bin.set(array, at);
    at += array.length;
  }
  const target = path.join(checkpointsDir, name);
  await publishFolder(
    target,
    async (temp) => {
      await writeFile(path.join(temp, TENSORS_FILE), new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength));
      await writeFile(path.join(temp, STATE_FILE), `{"format":"${FORMAT}","state":${json}}\n`);
    },
    { overwrite: true },
  );
  return target;
}

/** Reads a checkpoint folder back into the value that was written (Float32Arrays and Maps restored). */
export async function readCheckpoint<T>(folder: string): Promise<T> {
  let text: string;
  let bytes: Buffer;
  try {
    [text, bytes] = await Promise.all([readFile(path.join(folder, STATE_FILE), 'utf8'), readFile(path.join(folder, TENSORS_FILE))]);
  } catch (error) {
    throw new CheckpointError(`${folder}: cannot read the checkpoint: ${(error as Error).message}`);
  }
  // Copy: the Buffer's byte offset within Node's pool need not be 4-aligned.
  const bin = new Float32Array(new Uint8Array(bytes).buffer);
  const parsed = JSON.parse(text, (_key, value: unknown) => {
    if (isRef(value)) {
      const [offset, length] = value.$f32;
      if (offset + length > bin.length) throw new CheckpointError(`${folder}: ${TENSORS_FILE} is shorter than ${STATE_FILE} says`);
      return bin.slice(offset, offset + length);
    }
    if (value !== null && typeof value === 'object' && '$map' in value) return new Map((value as { $map: [string, unknown][] }).$map);
    return value;
  }) as { format?: string; state: T };
  if (parsed.format !== FORMAT) throw new CheckpointError(`${folder}: not a Pleura checkpoint`);
  return parsed.state;
}

/** The newest resumable checkpoint in the folder, or null when there is none (a missing folder included). */
export async function latestCheckpoint(checkpointsDir: string): Promise<string | null> {
  const names = await stepCheckpoints(checkpointsDir);
  return names.length ? path.join(checkpointsDir, names[names.length - 1]) : null;
}

/** Removes all but the newest `keep` resumable checkpoints (checkpoints under other names stay). */
export async function pruneStepCheckpoints(checkpointsDir: string, keep: number): Promise<void> {
  const names = await stepCheckpoints(checkpointsDir);
  for (const name of names.slice(0, Math.max(0, names.length - keep))) {
    await rm(path.join(checkpointsDir, name), { recursive: true, force: true });
  }
}

export async function removeCheckpoint(checkpointsDir: string, name: string): Promise<void> {
  await rm(path.join(checkpointsDir, name), { recursive: true, force: true });
}

async function stepCheckpoints(checkpointsDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(checkpointsDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names.filter((name) => name.startsWith(STEP_PREFIX) && !name.includes('.')).sort();
}

function isRef(value: unknown): value is TensorRef {
  return value !== null && typeof value === 'object' && Array.isArray((value as TensorRef).$f32);
}

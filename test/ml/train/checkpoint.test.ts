import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CheckpointError,
  latestCheckpoint,
  pruneStepCheckpoints,
  readCheckpoint,
  stepCheckpointName,
  writeCheckpoint,
} from '../../../ml/train/checkpoint';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pleura-ckpt-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('checkpoints', () => {
  it('round-trips plain data, Float32Arrays (bit for bit) and Maps', async () => {
    const odd = new Float32Array([Math.PI, -0, 1e-45, Number.MAX_VALUE, NaN]);
    const state = {
      step: 7,
      lr: 0.1 + 0.2,
      order: [3, 1, 2],
      weights: new Map([['a.weight', odd], ['b.bias', new Float32Array(0)]]),
      optimizer: { entries: { 'a.weight': { step: 7, m: new Float32Array([1, 2]), v: new Float32Array([3]) } } },
      ema: null,
    };
    const folder = await writeCheckpoint(dir, stepCheckpointName(7), state);
    const back = await readCheckpoint<typeof state>(folder);
    expect(back.step).toBe(7);
    expect(back.lr).toBe(0.1 + 0.2);
    expect(back.order).toEqual([3, 1, 2]);
    expect(Buffer.from(back.weights.get('a.weight')!.buffer).equals(Buffer.from(odd.buffer))).toBe(true);
    expect(back.weights.get('b.bias')).toEqual(new Float32Array(0));
    expect(back.optimizer.entries['a.weight'].v).toEqual(new Float32Array([3]));
    expect(back.ema).toBeNull();
  });

  it('finds the newest resumable checkpoint and prunes older ones, leaving other checkpoints', async () => {
    expect(await latestCheckpoint(path.join(dir, 'absent'))).toBeNull();
    for (const step of [2, 10, 4]) await writeCheckpoint(dir, stepCheckpointName(step), { step });
    await writeCheckpoint(dir, 'top-s0-e0001', { best: true });
    expect(path.basename((await latestCheckpoint(dir))!)).toBe('step-0000000010');
    await pruneStepCheckpoints(dir, 2);
    expect((await readdir(dir)).sort()).toEqual(['step-0000000004', 'step-0000000010', 'top-s0-e0001']);
  });

  it('replaces a checkpoint of the same name whole, leaving no partial folder', async () => {
    await writeCheckpoint(dir, 'x', { v: new Float32Array([1]) });
    await writeCheckpoint(dir, 'x', { v: new Float32Array([2, 3]) });
    expect((await readCheckpoint<{ v: Float32Array }>(path.join(dir, 'x'))).v).toEqual(new Float32Array([2, 3]));
    expect(await readdir(dir)).toEqual(['x']);
  });

  it('names the folder when a checkpoint cannot be read', async () => {
    await expect(readCheckpoint(path.join(dir, 'nothing'))).rejects.toThrow(CheckpointError);
    await expect(readCheckpoint(path.join(dir, 'nothing'))).rejects.toThrow(/nothing: cannot read the checkpoint/);
  });
});

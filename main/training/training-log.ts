// MODELDIR/train.log.jsonl: one JSON object per line with its time, appended (a resumed run goes on in the same
// file), so the curves of a run can be redrawn or compared after it ended.
import { open } from 'node:fs/promises';

export interface TrainingLog {
  write(entry: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export async function openTrainingLog(file: string): Promise<TrainingLog> {
  const handle = await open(file, 'a');
  // Writes are chained: progress arrives faster than the disk, and lines must not interleave.
  let pending = Promise.resolve();
  return {
    write(entry) {
      const line = `${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`;
      pending = pending.then(() => handle.write(line).then(() => undefined));
      return pending;
    },
    async close() {
      await pending;
      await handle.close();
    },
  };
}

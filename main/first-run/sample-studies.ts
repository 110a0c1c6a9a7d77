// The first run's sample studies: a phantom set written into the data directory. Its ground truth (train-rle.csv,
// phantoms.json) moves into a hidden folder, which a scan skips, so the worklist shows the studies with no file errors.
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { writePhantomSet } from '../phantoms/write-set';
import { runWorkerOnce, type OneShotWorker } from '../workers/run-once';

export interface SampleSpec {
  out: string;
  count: number;
  seed: number;
  size: number;
  positiveFraction: number;
}

export type SampleSummary = { out: string; count: number; positives: number };

export const TRUTH_FOLDER = '.truth';

/**
 * Twelve phantoms at 512, about a third positive. 512, not 1024: the set renders in 6-13 s on two shared cores
 * (1024: 17 s unloaded), and 512 is the demonstration model's own input size.
 */
export function sampleSpec(dataDir: string, overrides: Partial<Omit<SampleSpec, 'out'>> = {}): SampleSpec {
  return { out: path.join(dataDir, 'samples'), count: 12, seed: 2025, size: 512, positiveFraction: 0.35, ...overrides };
}

export async function writeSampleStudies(spec: SampleSpec): Promise<SampleSummary> {
  // The folder is Pleura's own: what an interrupted first run left there (or beside it, half written) is replaced.
  await removePartialCopies(spec.out);
  const set = await writePhantomSet({ ...spec, force: true });
  const truth = path.join(spec.out, TRUTH_FOLDER);
  await mkdir(truth);
  for (const name of ['train-rle.csv', 'phantoms.json']) await rename(path.join(spec.out, name), path.join(truth, name));
  return { out: set.out, count: set.count, positives: set.positives };
}

/** The temporary folders publishFolder fills beside `target`, left behind when the process stopped mid-way. */
async function removePartialCopies(target: string): Promise<void> {
  const prefix = `.${path.basename(target)}.partial-`;
  const parent = path.dirname(target);
  const names = await readdir(parent).catch(() => []);
  await Promise.all(names.filter((name) => name.startsWith(prefix)).map((name) => rm(path.join(parent, name), { recursive: true, force: true })));
}

export function writeSampleStudiesInWorker(spec: SampleSpec): OneShotWorker<SampleSummary> {
  return runWorkerOnce<SampleSummary>('first-run/samples.worker', spec);
}

// Workers start from TypeScript sources through tsx (npm start, the CLI) or from bundles (Electron; the test suite
// through PLEURA_WORKER_BUNDLES, set by test/support/worker-bundles.ts). Both must run the same worker.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sampleSpec, writeSampleStudiesInWorker } from '../../../main/first-run/sample-studies';

describe('spawnWorker', () => {
  let dir: string;
  beforeAll(async () => void (dir = await mkdtemp(path.join(os.tmpdir(), 'pleura-spawn-'))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const writeTwoSamples = async (folder: string) => {
    const summary = await writeSampleStudiesInWorker(sampleSpec(path.join(dir, folder), { count: 2, size: 64 })).result;
    return { summary: { ...summary, out: path.relative(dir, summary.out) }, files: (await readdir(summary.out, { recursive: true })).sort() };
  };

  test("the suite starts workers from this run's bundles", () => {
    expect(process.env.PLEURA_WORKER_BUNDLES).toMatch(/pleura-test-workers/);
  });

  test('PLEURA_WORKER_BUNDLES is where the workers start from', async () => {
    const bundles = process.env.PLEURA_WORKER_BUNDLES;
    process.env.PLEURA_WORKER_BUNDLES = path.join(dir, 'no-bundles-here');
    try {
      await expect(writeTwoSamples('none')).rejects.toThrow(/no-bundles-here/);
    } finally {
      process.env.PLEURA_WORKER_BUNDLES = bundles;
    }
  });

  test('a worker from the sources (tsx in the thread) does what its bundle does', async () => {
    const bundles = process.env.PLEURA_WORKER_BUNDLES;
    const fromBundle = await writeTwoSamples('bundle');
    delete process.env.PLEURA_WORKER_BUNDLES;
    try {
      const fromSources = await writeTwoSamples('sources');
      expect(fromSources.files).toEqual(fromBundle.files);
      expect(fromSources.summary).toEqual({ ...fromBundle.summary, out: path.join('sources', 'samples') });
      expect(fromBundle.summary).toMatchObject({ out: path.join('bundle', 'samples'), count: 2 });
    } finally {
      process.env.PLEURA_WORKER_BUNDLES = bundles;
    }
  });
});

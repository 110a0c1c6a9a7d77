import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { StudyIndex } from '../../../main/studies/index-db';
import { runScan } from '../../../main/studies/scanner';
import { writeStudyFolder } from '../../fixtures/study-folder';

let dir: string;
const folder = () => path.join(dir, 'images');

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pleura-scan-memory-'));
  await writeStudyFolder(folder(), { studies: 100, imagesPerStudy: 100 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('scans 10,000 files with the heap bounded, and rescans them without reading any', async () => {
  const index = StudyIndex.open(path.join(dir, 'index.sqlite'));
  try {
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    const sample = () => (peak = Math.max(peak, process.memoryUsage().heapUsed));
    const cold = await runScan(index, { root: folder(), scanId: 'cold', onProgress: sample, progressIntervalMs: 10 });
    expect(cold).toMatchObject({ filesSeen: 10_000, filesRead: 10_000, errors: 0, studies: 100 });
    // Garbage is collected lazily, so this bounds what a scan can keep alive, with room for V8's slack: holding
    // every header, path and stat of 10,000 files would exceed it.
    expect(peak - baseline).toBeLessThan(96 * 2 ** 20);

    const warm = await runScan(index, { root: folder(), scanId: 'warm', onProgress: sample, progressIntervalMs: 10 });
    expect(warm).toMatchObject({ filesSeen: 10_000, filesRead: 0, unchanged: 10_000, removed: 0, studies: 100 });
    expect(index.worklist()).toHaveLength(100);
  } finally {
    index.close();
  }
});

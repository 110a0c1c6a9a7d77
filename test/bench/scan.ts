// Scan speed (headers per second) and memory: a generated folder of 10,000 small synthetic files scanned cold and
// rescanned unchanged, in this thread (where the heap can be watched) and through the services (worker thread);
// then the real files in ../shared/data.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ScanSummary } from '../../main/api/contract';
import { createServices } from '../../main/services/create-services';
import { StudyIndex } from '../../main/studies/index-db';
import { runScan } from '../../main/studies/scanner';
import { writeStudyFolder } from '../fixtures/study-folder';
import { hasSharedData, sharedDataDir } from '../support/shared-data';

const STUDIES = 100;
const IMAGES_PER_STUDY = 100;
const MiB = 2 ** 20;

function rate(summary: ScanSummary) {
  return {
    files: summary.filesSeen,
    read: summary.filesRead,
    ms: summary.durationMs,
    filesPerSecond: Math.round(summary.filesSeen / (summary.durationMs / 1000)),
  };
}

/** Scans in this thread, sampling the heap and RSS at every progress report (every 10 ms). */
async function watchedScan(index: StudyIndex, root: string, scanId: string) {
  const before = process.memoryUsage();
  let peakHeap = before.heapUsed;
  let peakRss = before.rss;
  const summary = await runScan(index, {
    root,
    scanId,
    progressIntervalMs: 10,
    onProgress: () => {
      const now = process.memoryUsage();
      peakHeap = Math.max(peakHeap, now.heapUsed);
      peakRss = Math.max(peakRss, now.rss);
    },
  });
  return {
    ...rate(summary),
    heapGrowthMiB: +((peakHeap - before.heapUsed) / MiB).toFixed(1),
    peakHeapMiB: +(peakHeap / MiB).toFixed(1),
    peakRssMiB: +(peakRss / MiB).toFixed(1),
  };
}

/** Cold and unchanged rescans through createServices, i.e. in the scan worker, as the workstation runs them. */
async function serviceScans(root: string, dataDir: string) {
  const services = createServices({ dataDir, shell: 'browser', version: 'bench' });
  try {
    const cold = await services.handlers['studies.scan']({ path: root });
    const rescan = await services.handlers['studies.scan']({ path: root });
    return { cold: rate(cold), rescan: rate(rescan), studies: cold.studies, errors: cold.errors };
  } finally {
    await services.close();
  }
}

export async function scanBench(): Promise<unknown> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pleura-scan-bench-'));
  try {
    const folder = path.join(dir, 'images');
    let t = performance.now();
    await writeStudyFolder(folder, { studies: STUDIES, imagesPerStudy: IMAGES_PER_STUDY });
    const writeMs = Math.round(performance.now() - t);

    const index = StudyIndex.open(path.join(dir, 'index.sqlite'));
    let inThread;
    try {
      inThread = { cold: await watchedScan(index, folder, 'cold'), rescan: await watchedScan(index, folder, 'rescan') };
    } finally {
      index.close();
    }
    const worker = await serviceScans(folder, path.join(dir, 'worker-data'));
    const shared = hasSharedData
      ? await serviceScans(sharedDataDir, path.join(dir, 'shared-data'))
      : { skipped: `${sharedDataDir} is absent (the real DICOM test data lives there)` };
    return {
      synthetic: { files: STUDIES * IMAGES_PER_STUDY, studies: STUDIES, writeMs, inThread, worker },
      sharedData: shared,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

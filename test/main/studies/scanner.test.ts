import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScanProgress } from '../../../main/api/contract';
import { StudyIndex } from '../../../main/studies/index-db';
import { createThrottle, needsRead, runScan, type ScanOptions } from '../../../main/studies/scanner';
import { writeBroken } from '../../fixtures/dicom-variants';
import { snapshotFolder, studyUid, writeStudyFolder } from '../../fixtures/study-folder';
import { writeSyntheticDicom } from '../../fixtures/synthetic-dicom';

describe('runScan', () => {
  let dir: string;
  let folder: string;
  let index: StudyIndex;
  let scans = 0;
  const scan = (options: Partial<ScanOptions> = {}) => runScan(index, { root: folder, scanId: `scan-${++scans}`, ...options });

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pleura-scanner-'));
    folder = path.join(dir, 'images');
    mkdirSync(folder);
    index = StudyIndex.open(path.join(dir, 'index.sqlite'));
  });
  afterEach(() => {
    index.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('indexes the studies, records each bad file with its own error, and goes on', async () => {
    await writeStudyFolder(folder, { studies: 3, imagesPerStudy: 2 });
    mkdirSync(path.join(folder, 'bad'));
    const broken = await writeBroken(path.join(folder, 'bad'));
    symlinkSync(path.join(folder, 'gone.dcm'), path.join(folder, 'dangling.dcm'));

    const summary = await scan();

    // The corrupt JPEG's header is fine: it is indexed, and fails only when its pixels are decoded.
    const headerFailures = broken.filter((b) => b.code !== 'decode-failed');
    expect(summary).toMatchObject({ filesSeen: 16, filesRead: 15, added: 16, unchanged: 0, updated: 0, removed: 0, cancelled: false });
    expect(summary.errors).toBe(headerFailures.length + 1);
    expect(summary.studies).toBe(4);
    const errors = Object.fromEntries(index.fileErrors(folder).map((e) => [e.path, e.code]));
    expect(errors).toEqual({
      ...Object.fromEntries(headerFailures.map((b) => [b.path, b.code])),
      [path.join(folder, 'dangling.dcm')]: 'unreadable',
    });
    expect(index.fileErrors(folder).every((e) => e.message.length > 10)).toBe(true);
    const worklist = index.worklist();
    expect(worklist.map((r) => r.studyInstanceUid).sort()).toEqual(['1.2.3', ...[0, 1, 2].map((i) => studyUid({}, i))].sort());
    expect(worklist.find((r) => r.studyInstanceUid === studyUid({}, 0))).toMatchObject({
      patientId: 'PAT1',
      patientName: 'Synthetic^Patient1',
      imageCount: 2,
      errorCount: 0,
      status: 'ok',
      modality: 'CR',
      view: 'PA',
    });
  });

  it('rescans incrementally: unchanged files are not read, changed ones are, removed ones disappear', async () => {
    const files = await writeStudyFolder(folder, { studies: 2, imagesPerStudy: 3 });
    writeFileSync(path.join(folder, 'notes.txt'), 'not an image');
    expect(await scan()).toMatchObject({ filesSeen: 7, filesRead: 7, added: 7, errors: 1, studies: 2 });

    expect(await scan()).toMatchObject({ filesSeen: 7, filesRead: 0, unchanged: 7, added: 0, updated: 0, removed: 0, errors: 1, studies: 2 });

    const later = new Date(Date.now() + 60_000);
    utimesSync(files[0], later, later);
    expect(await scan()).toMatchObject({ filesRead: 1, unchanged: 6, updated: 1, removed: 0 });

    rmSync(files[1]);
    rmSync(path.join(folder, 'notes.txt'));
    expect(await scan()).toMatchObject({ filesSeen: 5, filesRead: 0, removed: 2, errors: 0, studies: 2 });
    expect(index.fileErrors()).toEqual([]);

    // A file rewritten with another study's header moves there; the emptied study goes from the worklist.
    const moved = studyUid({}, 7);
    for (const file of files.slice(3)) {
      await writeSyntheticDicom(file, { patientId: 'PAT8', studyUid: moved, seriesUid: `${moved}.1`, sopUid: `${moved}.1.${path.basename(file)}` });
      utimesSync(file, later, later);
    }
    expect(await scan()).toMatchObject({ filesRead: 3, updated: 3, studies: 2 });
    expect(index.worklist().map((r) => [r.studyInstanceUid, r.imageCount]).sort()).toEqual([
      [studyUid({}, 0), 2],
      [moved, 3],
    ]);
  });

  it('never writes into the scanned folder', async () => {
    await writeStudyFolder(folder, { studies: 2, imagesPerStudy: 2 });
    await writeBroken(folder);
    const before = await snapshotFolder(folder);
    await scan();
    await scan();
    expect(await snapshotFolder(folder)).toEqual(before);
  });

  it('reports progress from listing to done, and a cancelled scan stops early and removes nothing', async () => {
    const files = await writeStudyFolder(folder, { studies: 4, imagesPerStudy: 25 });
    const progress: ScanProgress[] = [];
    const full = await scan({ onProgress: (p) => progress.push(p), progressIntervalMs: 0 });
    expect(progress[0]).toMatchObject({ phase: 'listing', filesDone: 0 });
    expect(progress.at(-1)).toMatchObject({ phase: 'done', filesSeen: 100, filesDone: 100, errors: 0, currentPath: null, scanId: full.scanId });
    const done = progress.map((p) => p.filesDone);
    expect(done).toEqual([...done].sort((a, b) => a - b));

    for (const file of files.slice(0, 50)) rmSync(file);
    const later = new Date(Date.now() + 60_000);
    for (const file of files.slice(50)) utimesSync(file, later, later);
    let filesDone = 0;
    const cancelled = await scan({ onProgress: (p) => (filesDone = p.filesDone), progressIntervalMs: 0, isCancelled: () => filesDone >= 10 });
    expect(cancelled.cancelled).toBe(true);
    expect(cancelled.filesSeen).toBeLessThan(20);
    expect(cancelled.removed).toBe(0);
    expect(index.worklist().reduce((n, r) => n + r.imageCount, 0)).toBe(100);
  });

  // chmod 000 does not stop root, and the tests may run as root; the dangling link above covers 'unreadable' then.
  it.skipIf(process.getuid?.() === 0)('records a file it has no permission to read as unreadable, and rereads it once fixed', async () => {
    const [file] = await writeStudyFolder(folder, { studies: 1, imagesPerStudy: 1 });
    chmodSync(file, 0o000);
    expect(await scan()).toMatchObject({ errors: 1 });
    expect(index.fileErrors()[0]).toMatchObject({ path: file, code: 'unreadable' });
    chmodSync(file, 0o644);
    expect(await scan()).toMatchObject({ filesRead: 1, errors: 0 });
  });
});

describe('pure parts', () => {
  it('needsRead', () => {
    const known = { id: 1, size: 10, mtimeMs: 5, status: 'ok' as const, errorCode: null };
    expect(needsRead(undefined, { size: 10, mtimeMs: 5 })).toBe(true);
    expect(needsRead(known, { size: 10, mtimeMs: 5 })).toBe(false);
    expect(needsRead(known, { size: 11, mtimeMs: 5 })).toBe(true);
    expect(needsRead(known, { size: 10, mtimeMs: 6 })).toBe(true);
    expect(needsRead({ ...known, status: 'error', errorCode: 'not-dicom' }, { size: 10, mtimeMs: 5 })).toBe(false);
    expect(needsRead({ ...known, status: 'error', errorCode: 'unreadable' }, { size: 10, mtimeMs: 5 })).toBe(true);
  });

  it('createThrottle', () => {
    let now = 0;
    const due = createThrottle(100, () => now);
    const fired = [0, 50, 99, 100, 150, 250].map((t) => ((now = t), due()));
    expect(fired).toEqual([true, false, false, true, false, true]);
  });
});

import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScanProgress } from '../../../main/api/contract';
import { StudyIndex } from '../../../main/studies/index-db';
import { createThrottle, needsRead, provenGone, runScan, type ScanOptions } from '../../../main/studies/scanner';
import { DEFAULT_INTENDED_USE } from '../../../main/triage/intended-use';
import { createTriageStore, type VerdictRecord } from '../../../main/triage/results-store';
import { writeBroken } from '../../fixtures/dicom-variants';
import { snapshotFolder, studyUid, writeStudyFolder } from '../../fixtures/study-folder';
import { syntheticDicom, writeSyntheticDicom } from '../../fixtures/synthetic-dicom';
import { decodeFile } from '../../../main/studies/dicom';
import { CONFIG } from '../../fixtures/triaged-studies';

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

    // The corrupt JPEG's header is fine: it is indexed, and fails only when its pixels are decoded. The text file
    // never claimed to be DICOM: it is skipped, not an error; the empty .dcm did claim to be, and is one.
    const headerFailures = broken.filter((b) => b.code !== 'decode-failed' && !b.path.endsWith('.txt'));
    expect(summary).toMatchObject({ filesSeen: 16, filesRead: 15, added: 15, skipped: 1, unchanged: 0, updated: 0, removed: 0, cancelled: false });
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

  it('rescans incrementally: unchanged files are not read, changed ones are, removed ones are marked missing', async () => {
    const files = await writeStudyFolder(folder, { studies: 2, imagesPerStudy: 3 });
    writeFileSync(path.join(folder, 'notes.txt'), 'not an image');
    expect(await scan()).toMatchObject({ filesSeen: 7, filesRead: 7, added: 6, skipped: 1, errors: 0, studies: 2 });

    expect(await scan()).toMatchObject({ filesSeen: 7, filesRead: 0, unchanged: 6, skipped: 1, added: 0, updated: 0, removed: 0, errors: 0, studies: 2 });

    const later = new Date(Date.now() + 60_000);
    utimesSync(files[0], later, later);
    expect(await scan()).toMatchObject({ filesRead: 1, unchanged: 5, updated: 1, removed: 0 });

    rmSync(files[1]);
    rmSync(path.join(folder, 'notes.txt'));
    expect(await scan()).toMatchObject({ filesSeen: 5, filesRead: 0, removed: 2, errors: 0, skipped: 0, studies: 2 });
    expect(index.fileErrors()).toEqual([]);
    expect(index.knownFile(path.join(folder, 'notes.txt'))).toBeUndefined();

    // A file rewritten with another study's header moves there; the emptied study goes from the worklist.
    const moved = studyUid({}, 7);
    for (const file of files.slice(3)) {
      await writeSyntheticDicom(file, { patientId: 'PAT8', studyUid: moved, seriesUid: `${moved}.1`, sopUid: `${moved}.1.${path.basename(file)}` });
      utimesSync(file, later, later);
    }
    expect(await scan()).toMatchObject({ filesRead: 3, updated: 3, studies: 2 });
    expect(index.worklist().map((r) => [r.studyInstanceUid, r.imageCount, r.errorCount]).sort()).toEqual([
      [studyUid({}, 0), 3, 1],
      [moved, 3, 0],
    ]);
  });

  it('counts files that are no images as skipped, and keeps a failing file that claims to be DICOM an error', async () => {
    await writeStudyFolder(folder, { studies: 1, imagesPerStudy: 1 });
    const text = 'a few words, not a radiograph\n'.repeat(10);
    for (const name of ['README', 'series.csv', 'notes.txt', '.DS_Store', '._IM00001.dcm', 'Thumbs.db', 'desktop.ini', 'DICOMDIR']) {
      writeFileSync(path.join(folder, name), text);
    }
    // Claims by its name, or by the marker of a Part 10 file: errors with their code.
    writeFileSync(path.join(folder, 'empty.dcm'), '');
    writeFileSync(path.join(folder, 'report.DICOM'), text);
    writeFileSync(path.join(folder, 'IMG0002'), Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.from(text)]));

    const first = await scan();
    expect(first).toMatchObject({ filesSeen: 12, added: 4, skipped: 8, errors: 3, studies: 1 });
    expect(index.fileErrors().map((e) => [path.basename(e.path), e.code]).sort()).toEqual([
      ['IMG0002', 'not-dicom'],
      ['empty.dcm', 'not-dicom'],
      ['report.DICOM', 'not-dicom'],
    ]);
    // A rescan does not read the skipped files again, and still counts them.
    expect(await scan()).toMatchObject({ filesSeen: 12, filesRead: 0, unchanged: 4, skipped: 8, errors: 3 });
  });

  it('keeps a removed image with its verdict and review, marked missing and not loadable, until it is back', async () => {
    const files = await writeStudyFolder(folder, { studies: 1, imagesPerStudy: 2 });
    await scan();
    const store = createTriageStore(index.database);
    const uid = studyUid({}, 0);
    const [gone, kept] = index.detail(uid)!.series[0].instances;
    const verdict: VerdictRecord = { flag: 'positive', score: 0.9, areaPixels: 4, areaMm2: null, side: null, maxProbability: 0.9, heldBack: null, pixelSpacing: null, columnDirection: 'unknown', findings: [], mask: { rows: 8, columns: 8, rle: '1 4' }, heatmap: { rows: 1, columns: 1, data: Uint8Array.of(200) } };
    store.saveVerdict(gone.id, CONFIG, verdict, new Date());
    store.setReview(gone.id, { decision: 'confirmed', reviewer: 'Dr Ada', at: new Date().toISOString(), maskRle: '1 4' });

    const aside = path.join(dir, 'aside.dcm');
    renameSync(files[0], aside);
    expect(await scan()).toMatchObject({ removed: 1, studies: 1, errors: 0 });
    expect(index.worklist()[0]).toMatchObject({ imageCount: 2, errorCount: 1, status: 'partial', firstInstanceId: kept.id });
    const missing = index.detail(uid)!.series[0].instances.find((i) => i.id === gone.id)!;
    expect(missing).toMatchObject({ status: 'error', error: { path: files[0], code: 'missing', message: expect.stringMatching(/^the file is gone \(missing since .*\); its verdict, review and audit entries are kept/) } });
    expect(index.instanceFile(gone.id)).toMatchObject({ missingSince: expect.any(Number) });
    expect(index.fileErrors()).toEqual([]);
    expect(store.get(gone.id)).toMatchObject({ flag: 'positive', review: { decision: 'confirmed', reviewer: 'Dr Ada' } });
    // Triage passes it by: a verdict on a file that is not there would only replace the one it has.
    expect(store.targets({ configKey: 'other', scope: 'all', intendedUse: DEFAULT_INTENDED_USE }).map((t) => t.instanceId)).toEqual([kept.id]);
    // A second scan that still misses it changes nothing.
    expect(await scan()).toMatchObject({ removed: 0 });

    renameSync(aside, files[0]);
    expect(await scan()).toMatchObject({ unchanged: 2, removed: 0 });
    expect(index.worklist()[0]).toMatchObject({ imageCount: 2, errorCount: 0, status: 'ok', firstInstanceId: gone.id });
    expect(index.instanceFile(gone.id)).toMatchObject({ missingSince: null });
    expect(store.get(gone.id)).toMatchObject({ flag: 'positive', review: { decision: 'confirmed' } });
    expect(store.targets({ configKey: 'other', scope: 'all', intendedUse: DEFAULT_INTENDED_USE })).toHaveLength(2);
  });

  it('keeps what lies behind a link it cannot follow now (an unmounted share), instead of calling it gone', async () => {
    const share = path.join(dir, 'share');
    mkdirSync(share);
    await writeStudyFolder(share, { studies: 1, imagesPerStudy: 3 });
    symlinkSync(share, path.join(folder, 'share'));
    await writeStudyFolder(path.join(folder, 'local'), { studies: 1, imagesPerStudy: 1, uidRoot: '1.2.826.0.1.3680043.10.1516' });
    expect(await scan()).toMatchObject({ added: 4, studies: 2 });
    renameSync(share, `${share}-unmounted`);

    const summary = await scan();
    expect(summary).toMatchObject({ removed: 0, errors: 1, studies: 2 });
    expect(index.fileErrors()).toEqual([{ path: path.join(folder, 'share'), code: 'unreadable', message: expect.any(String) }]);
    expect(index.worklist().map((r) => [r.imageCount, r.errorCount]).sort()).toEqual([
      [1, 0],
      [3, 0],
    ]);
  });

  it('indexes a file whose name is Latin-1, under its Latin-1 name, and reads it by its real bytes', async () => {
    const bytes = syntheticDicom({ patientId: 'LATIN1', studyUid: '1.2.826.0.1.3680043.10.1517.1', seriesUid: '1.2.826.0.1.3680043.10.1517.1.1', sopUid: '1.2.826.0.1.3680043.10.1517.1.1.1' });
    writeFileSync(Buffer.concat([Buffer.from(`${folder}/caf`), Buffer.from([0xe9]), Buffer.from('.dcm')]), bytes);
    expect(await scan()).toMatchObject({ added: 1, errors: 0, studies: 1 });
    const [instance] = index.detail('1.2.826.0.1.3680043.10.1517.1')!.series[0].instances;
    expect(instance.path).toBe(path.join(folder, 'café.dcm'));
    expect((await decodeFile(instance.path)).rows).toBe(8);
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
    const known = { id: 1, size: 10, mtimeMs: 5, status: 'ok' as const, errorCode: null, skipped: 0 as const };
    expect(needsRead(undefined, { size: 10, mtimeMs: 5 })).toBe(true);
    expect(needsRead(known, { size: 10, mtimeMs: 5 })).toBe(false);
    expect(needsRead(known, { size: 11, mtimeMs: 5 })).toBe(true);
    expect(needsRead(known, { size: 10, mtimeMs: 6 })).toBe(true);
    expect(needsRead({ ...known, status: 'error', errorCode: 'not-dicom' }, { size: 10, mtimeMs: 5 })).toBe(false);
    expect(needsRead({ ...known, status: 'error', errorCode: 'not-dicom', skipped: 1 }, { size: 10, mtimeMs: 5 })).toBe(false);
    // Rejected before skipped files were told apart: read once more.
    expect(needsRead({ ...known, status: 'error', errorCode: 'not-dicom', skipped: null }, { size: 10, mtimeMs: 5 })).toBe(true);
    expect(needsRead({ ...known, status: 'error', errorCode: 'unreadable' }, { size: 10, mtimeMs: 5 })).toBe(true);
  });

  it('provenGone: not what lies in or under something the walk could not examine', () => {
    const gone = provenGone('/data', new Set(['/data/share', '/data/a/b.dcm']));
    expect(['/data/x.dcm', '/data/a/c.dcm', '/data/shared/x.dcm', '/data/sharex.dcm'].every(gone)).toBe(true);
    expect(['/data/share', '/data/share/x.dcm', '/data/share/deep/y.dcm', '/data/a/b.dcm'].some(gone)).toBe(false);
  });

  it('createThrottle', () => {
    let now = 0;
    const due = createThrottle(100, () => now);
    const fired = [0, 50, 99, 100, 150, 250].map((t) => ((now = t), due()));
    expect(fired).toEqual([true, false, false, true, false, true]);
  });
});

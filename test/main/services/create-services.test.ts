import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import Database from 'better-sqlite3';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiArgs, ApiError, AppInfo, ScanSummary, type ApiEvent, type ApiEvents } from '../../../main/api/contract';
import { saveLabel } from '../../../main/labels/label-store';
import { createServices, type Services } from '../../../main/services/create-services';
import { BROKEN } from '../../fixtures/dicom-variants';
import { snapshotFolder, studyUid, writeStudyFolder } from '../../fixtures/study-folder';

type Recorded = { [E in ApiEvent]: { event: E; payload: ApiEvents[E] } }[ApiEvent];

async function apiError(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('createServices', () => {
  let dir: string;
  let folder: string;
  let services: Services;
  let events: Recorded[];

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pleura-services-'));
    folder = path.join(dir, 'images');
    mkdirSync(folder);
    services = createServices({ dataDir: path.join(dir, 'data'), shell: 'browser', version: '1.2.3' });
    events = [];
    services.events.subscribe((event, payload) => events.push({ event, payload } as Recorded));
  });
  afterEach(async () => {
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('implements every method of the contract and answers app.info', async () => {
    expect(Object.keys(services.handlers).sort()).toEqual(Object.keys(apiArgs).sort());
    const info = AppInfo.parse(await services.handlers['app.info']({}));
    expect(info).toEqual({ name: 'Pleura', version: '1.2.3', shell: 'browser', dataDir: path.join(dir, 'data'), roots: [], canPickFolder: false, demo: null, indexRecovery: null });
    expect(existsSync(path.join(dir, 'data', 'index.sqlite'))).toBe(true);
    expect(await services.handlers['app.pickFolder']({})).toEqual({ path: null });
  });

  it('uses the folder picker the shell provides', async () => {
    const picking = createServices({ dataDir: path.join(dir, 'data2'), shell: 'electron', version: '1', pickFolder: async () => folder });
    try {
      expect(await picking.handlers['app.pickFolder']({})).toEqual({ path: folder });
      expect((await picking.handlers['app.info']({})).canPickFolder).toBe(true);
    } finally {
      await picking.close();
    }
  });

  it('scans in a worker with progress events, then serves the worklist, details, errors and images', async () => {
    await writeStudyFolder(folder, { studies: 2, imagesPerStudy: 2 });
    await writeFile(path.join(folder, 'corrupt-jpeg.dcm'), BROKEN['corrupt-jpeg.dcm'].bytes());
    writeFileSync(path.join(folder, 'notes.txt'), 'not an image');
    const before = await snapshotFolder(folder);

    const summary = ScanSummary.parse(await services.handlers['studies.scan']({ path: folder }));
    expect(summary).toMatchObject({ root: folder, filesSeen: 6, filesRead: 6, errors: 0, skipped: 1, studies: 3, cancelled: false });
    const progress = events.filter((e) => e.event === 'scan.progress').map((e) => e.payload as ApiEvents['scan.progress']);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.every((p) => p.scanId === summary.scanId && p.root === folder)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ phase: 'done', filesDone: 6 });
    expect(events.filter((e) => e.event === 'scan.done').map((e) => e.payload)).toEqual([summary]);
    expect((await services.handlers['app.info']({})).roots).toEqual([folder]);

    const worklist = await services.handlers['studies.worklist']({});
    expect(worklist).toHaveLength(3);
    const study = worklist.find((r) => r.studyInstanceUid === studyUid({}, 0))!;
    expect(study).toMatchObject({ imageCount: 2, status: 'ok' });
    const image = await services.handlers['images.load']({ instanceId: study.firstInstanceId! });
    expect(image).toMatchObject({ rows: 8, columns: 8 });
    expect(image.pixels).toHaveLength(64);
    expect(image.info.studyInstanceUid).toBe(study.studyInstanceUid);

    expect(await services.handlers['studies.fileErrors']({})).toEqual([]);

    // A file whose header reads but whose pixels do not: the load fails with its error, and the index keeps it.
    const broken = (await services.handlers['studies.detail']({ studyInstanceUid: '1.2.3' })).series[0].instances[0];
    const failure = await apiError(services.handlers['images.load']({ instanceId: broken.id }));
    expect(failure.code).toBe('failed');
    expect(failure.details).toEqual({ fileError: { path: broken.path, code: 'decode-failed', message: expect.any(String) } });
    expect((await services.handlers['studies.detail']({ studyInstanceUid: '1.2.3' })).status).toBe('error');
    expect((await services.handlers['studies.fileErrors']({ root: folder })).map((e) => e.code)).toEqual(['decode-failed']);

    expect((await apiError(services.handlers['images.load']({ instanceId: 987654 }))).code).toBe('not-found');
    expect((await apiError(services.handlers['studies.detail']({ studyInstanceUid: '9.9.9' }))).code).toBe('not-found');
    expect(await snapshotFolder(folder)).toEqual(before);
  });

  it('rejects a path that is not a readable folder with a clear invalid-argument error', async () => {
    writeFileSync(path.join(folder, 'a.dcm'), 'x');
    const cases: [string, RegExp][] = [
      ['relative/folder', /must be an absolute path/],
      [path.join(folder, 'missing'), /no such folder/],
      [path.join(folder, 'a.dcm'), /it is a file, not a folder/],
    ];
    for (const [requested, message] of cases) {
      const error = await apiError(services.handlers['studies.scan']({ path: requested }));
      expect(error.code).toBe('invalid-argument');
      expect(error.message).toMatch(message);
    }
  });

  it('joins a second request for a folder being scanned, and cancels a scan on request', async () => {
    await writeStudyFolder(folder, { studies: 10, imagesPerStudy: 100 });
    expect(await services.handlers['studies.cancelScan']({ scanId: 'no-such-scan' })).toEqual({ cancelled: false });
    let cancelling: Promise<{ cancelled: boolean }> | undefined;
    services.events.subscribe((event, payload) => {
      if (event === 'scan.progress' && !cancelling) cancelling = services.handlers['studies.cancelScan']({ scanId: (payload as ApiEvents['scan.progress']).scanId });
    });
    const [first, second] = await Promise.all([
      services.handlers['studies.scan']({ path: folder }),
      services.handlers['studies.scan']({ path: `${folder}/` }),
    ]);
    expect(second).toEqual(first);
    expect(await cancelling).toEqual({ cancelled: true });
    expect(first.cancelled).toBe(true);
    expect(first.filesSeen).toBeLessThan(1000);
    // The next scan finishes the job.
    expect(await services.handlers['studies.scan']({ path: folder })).toMatchObject({ cancelled: false, filesSeen: 1000, studies: 10 });
  });

  it('runs scans of overlapping folders one after the other', async () => {
    await writeStudyFolder(path.join(folder, 'sub'), { studies: 4, imagesPerStudy: 100 });
    await writeStudyFolder(folder, { studies: 2, imagesPerStudy: 100, uidRoot: '1.2.826.0.1.3680043.10.1516' });
    const [whole, part] = await Promise.all([
      services.handlers['studies.scan']({ path: folder }),
      services.handlers['studies.scan']({ path: path.join(folder, 'sub') }),
    ]);
    expect(whole.removed + part.removed).toBe(0);
    // Each scan's events form one run: the second begins after the first is done.
    const order = events.filter((e) => e.event === 'scan.progress' || e.event === 'scan.done').map((e) => (e.payload as { scanId: string }).scanId);
    const first = order[0];
    const firstDone = events.findIndex((e) => e.event === 'scan.done' && (e.payload as { scanId: string }).scanId === first);
    expect(order.slice(0, order.lastIndexOf(first) + 1).every((id) => id === first)).toBe(true);
    expect(events.slice(firstDone + 1).some((e) => (e.payload as { scanId?: string }).scanId === first)).toBe(false);
    expect((await services.handlers['studies.worklist']({})).reduce((n, r) => n + r.imageCount, 0)).toBe(600);
  });

  it('shows an image whose file is gone as missing, not loadable, until the file is back', async () => {
    const [gone] = await writeStudyFolder(folder, { studies: 1, imagesPerStudy: 2 });
    await services.handlers['studies.scan']({ path: folder });
    renameSync(gone, path.join(dir, 'away.dcm'));
    expect(await services.handlers['studies.scan']({ path: folder })).toMatchObject({ removed: 1, errors: 0 });
    const [row] = await services.handlers['studies.worklist']({});
    expect(row).toMatchObject({ imageCount: 2, errorCount: 1, status: 'partial' });
    const missing = (await services.handlers['studies.detail']({ studyInstanceUid: row.studyInstanceUid })).series[0].instances.find((i) => i.path === gone)!;
    expect(missing).toMatchObject({ status: 'error', error: { code: 'missing' } });
    const refusal = await apiError(services.handlers['images.load']({ instanceId: missing.id }));
    expect(refusal).toMatchObject({ code: 'failed', details: { fileError: { path: gone, code: 'missing' } } });
    expect(await services.handlers['studies.fileErrors']({})).toEqual([]);
    renameSync(path.join(dir, 'away.dcm'), gone);
    await services.handlers['studies.scan']({ path: folder });
    expect(await services.handlers['images.load']({ instanceId: missing.id })).toMatchObject({ rows: 8 });
  });

  it('moves a damaged index aside at start and rebuilds it, keeping the folders, settings, audit log and reviews', async () => {
    const dataDir = path.join(dir, 'data');
    await writeStudyFolder(folder, { studies: 2, imagesPerStudy: 1 });
    await services.handlers['studies.scan']({ path: folder });
    await services.handlers['settings.update']({ reviewer: 'Dr Rao' });
    const [study] = await services.handlers['studies.worklist']({});
    const image = (await services.handlers['studies.detail']({ studyInstanceUid: study.studyInstanceUid })).series[0].instances[0];
    const mask = { rows: 8, columns: 8, data: new Uint8Array(64).fill(1, 0, 8) };
    await saveLabel(dataDir, { sopInstanceUid: image.sopInstanceUid, studyInstanceUid: study.studyInstanceUid, patientId: null, imagePath: image.path, reviewer: 'Dr Rao', decision: 'edited', mask });
    await services.close();
    writeFileSync(path.join(dataDir, 'index.sqlite'), 'a disk that returned garbage '.repeat(200));

    services = createServices({ dataDir, shell: 'browser', version: '1.2.3' });
    const { indexRecovery } = await services.handlers['app.info']({});
    expect(indexRecovery).toMatchObject({ movedTo: expect.stringMatching(/index\.damaged-.*\.sqlite$/), message: expect.stringMatching(/^The study index was damaged/) });
    expect(existsSync(indexRecovery!.movedTo)).toBe(true);
    await services.rebuilt;
    expect(await services.handlers['studies.worklist']({})).toHaveLength(2);
    expect((await services.handlers['app.info']({})).roots).toEqual([folder]);
    expect((await services.handlers['settings.get']({})).reviewer).toBe('Dr Rao');
    expect(await services.handlers['audit.list']({})).toMatchObject([{ action: 'settings', who: 'Dr Rao' }]);
    // The review waits for the image's next verdict.
    const index = new Database(path.join(dataDir, 'index.sqlite'), { readonly: true });
    try {
      expect(index.prepare('SELECT sop_instance_uid AS uid, decision, reviewer FROM restored_reviews').all()).toEqual([{ uid: image.sopInstanceUid, decision: 'edited', reviewer: 'Dr Rao' }]);
    } finally {
      index.close();
    }
  });
});

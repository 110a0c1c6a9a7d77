import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiArgs, ApiError, AppInfo, ScanSummary, type ApiEvent, type ApiEvents } from '../../../main/api/contract';
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
    expect(info).toEqual({ name: 'Pleura', version: '1.2.3', shell: 'browser', dataDir: path.join(dir, 'data'), roots: [], canPickFolder: false, demo: null });
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
    expect(summary).toMatchObject({ root: folder, filesSeen: 6, filesRead: 6, errors: 1, studies: 3, cancelled: false });
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

    expect(await services.handlers['studies.fileErrors']({})).toEqual([
      { path: path.join(folder, 'notes.txt'), code: 'not-dicom', message: expect.stringMatching(/not a DICOM file/) },
    ]);

    // A file whose header reads but whose pixels do not: the load fails with its error, and the index keeps it.
    const broken = (await services.handlers['studies.detail']({ studyInstanceUid: '1.2.3' })).series[0].instances[0];
    const failure = await apiError(services.handlers['images.load']({ instanceId: broken.id }));
    expect(failure.code).toBe('failed');
    expect(failure.details).toEqual({ fileError: { path: broken.path, code: 'decode-failed', message: expect.any(String) } });
    expect((await services.handlers['studies.detail']({ studyInstanceUid: '1.2.3' })).status).toBe('error');
    expect((await services.handlers['studies.fileErrors']({ root: folder })).map((e) => e.code).sort()).toEqual(['decode-failed', 'not-dicom']);

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
});

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorklistRow, StudyDetail, type InstanceInfo } from '../../../main/api/contract';
import { StudyIndex, pathRangeUnder, studyStatus, type FileRecord } from '../../../main/studies/index-db';
import { migrations } from '../../../main/studies/index-schema';
import { instanceInfo } from '../../fixtures/instance-info';

const root = '/data/xr';
const stat = { root, size: 100, mtimeMs: 1_700_000_000_000 };

function ok(name: string, overrides: Partial<InstanceInfo> = {}): FileRecord {
  const filePath = path.join(root, name);
  return { ...stat, path: filePath, info: instanceInfo({ path: filePath, sopInstanceUid: `sop.${name}`, ...overrides }) };
}

function failed(name: string): FileRecord {
  const filePath = path.join(root, name);
  return { ...stat, path: filePath, error: { path: filePath, code: 'not-dicom', message: 'no DICM prefix and no dataset' } };
}

describe('StudyIndex', () => {
  let dir: string;
  let index: StudyIndex;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pleura-index-'));
    index = StudyIndex.open(path.join(dir, 'index.sqlite'));
  });
  afterEach(() => {
    index.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function scan(records: FileRecord[], unchanged: string[] = []): number {
    const key = index.beginScan(`scan-${Math.random()}`, root);
    const known = unchanged.map((p) => ({ id: index.knownFile(p)!.id, root }));
    index.writeBatch(key, { unchanged: known, records });
    return key;
  }

  it('groups instances into patient, study and series for the worklist', () => {
    scan([
      ok('a1.dcm', { instanceNumber: 2 }),
      ok('a2.dcm', { instanceNumber: 1, viewPosition: 'LL', seriesInstanceUid: '1.2.3.1.2', seriesNumber: 2, modality: 'DX' }),
      ok('b1.dcm', { studyInstanceUid: '1.2.3.2', seriesInstanceUid: '1.2.3.2.1', patientId: 'P2', patientName: 'Roe^Rick', studyDate: '20240301' }),
      failed('notes.txt'),
    ]);
    const rows = index.worklist();
    expect(rows.map((r) => WorklistRow.parse(r))).toHaveLength(2);
    // Newest study first.
    expect(rows.map((r) => r.studyInstanceUid)).toEqual(['1.2.3.2', '1.2.3.1']);
    const a = rows[1];
    expect(a).toMatchObject({ patientId: 'P1', patientName: 'Doe^Jane', imageCount: 2, errorCount: 0, status: 'ok', studyDate: '20240101' });
    expect(a.modality!.split(',').sort()).toEqual(['CR', 'DX']);
    expect(a.view!.split(',').sort()).toEqual(['LL', 'PA']);

    const detail = index.detail('1.2.3.1')!;
    expect(StudyDetail.parse(detail)).toBeTruthy();
    expect(detail.series.map((s) => s.seriesNumber)).toEqual([1, 2]);
    expect(detail.series[0].instances.map((i) => i.path)).toEqual([path.join(root, 'a1.dcm')]);
    // The first instance shown is the first of the first series, by number.
    expect(a.firstInstanceId).toBe(detail.series[0].instances[0].id);
    expect(index.instanceFile(a.firstInstanceId!)).toMatchObject({ path: path.join(root, 'a1.dcm'), status: 'ok' });
    expect(index.detail('9.9.9')).toBeNull();
    expect(index.instanceFile(123456)).toBeNull();
  });

  it('lists files that could not be indexed, and keeps them out of the studies', () => {
    scan([ok('a.dcm'), failed('notes.txt')]);
    expect(index.fileErrors()).toEqual([{ path: path.join(root, 'notes.txt'), code: 'not-dicom', message: 'no DICM prefix and no dataset' }]);
    expect(index.fileErrors('/data')).toHaveLength(1);
    expect(index.fileErrors('/data/x')).toEqual([]); // a sibling folder whose name merely starts the same
    expect(index.worklist()[0].imageCount).toBe(1);
  });

  it('turns a study partial, then error, as its instances fail to decode, and back when they decode', () => {
    scan([ok('a1.dcm', { instanceNumber: 1 }), ok('a2.dcm', { instanceNumber: 2 })]);
    const detail = index.detail('1.2.3.1')!;
    const [first, second] = detail.series[0].instances.map((i) => index.instanceFile(i.id)!);
    index.setFileError(first.fileId, { path: first.path, code: 'decode-failed', message: 'bad JPEG' });
    let row = index.worklist()[0];
    expect(row).toMatchObject({ status: 'partial', errorCount: 1, imageCount: 2, firstInstanceId: second.instanceId });
    expect(index.detail('1.2.3.1')!.series[0].instances[0].error).toEqual({ path: first.path, code: 'decode-failed', message: 'bad JPEG' });
    index.setFileError(second.fileId, { path: second.path, code: 'decode-failed', message: 'bad JPEG' });
    row = index.worklist()[0];
    expect(row).toMatchObject({ status: 'error', errorCount: 2, firstInstanceId: null });
    expect(index.fileErrors()).toHaveLength(2);
    index.setFileError(first.fileId, null);
    expect(index.worklist()[0]).toMatchObject({ status: 'partial', firstInstanceId: first.instanceId });
  });

  it('after a scan, forgets the broken files it proved gone and marks the gone images missing, keeping their studies', () => {
    scan([ok('a.dcm'), ok('b.dcm', { studyInstanceUid: '1.2.3.2', seriesInstanceUid: '1.2.3.2.1', patientId: 'P2' }), failed('c.txt')]);
    const second = scan([], [path.join(root, 'a.dcm')]);
    expect(index.forgetGone(root, second, () => true, Date.parse('2026-02-03T04:05:06Z'))).toBe(2);
    expect(index.knownFile(path.join(root, 'c.txt'))).toBeUndefined();
    expect(index.worklist().map((r) => [r.studyInstanceUid, r.status, r.firstInstanceId === null]).sort()).toEqual([
      ['1.2.3.1', 'ok', false],
      ['1.2.3.2', 'error', true],
    ]);
    expect(index.detail('1.2.3.2')!.series[0].instances[0].error).toMatchObject({ code: 'missing', message: expect.stringContaining('missing since 2026-02-03T04:05:06.000Z') });
    expect(index.fileErrors()).toEqual([]);
    expect(index.studyCountUnder(root)).toBe(2);
    // Seen again, it is back; and what the predicate does not accept as proven gone stays as it was.
    const third = scan([ok('b.dcm', { studyInstanceUid: '1.2.3.2', seriesInstanceUid: '1.2.3.2.1', patientId: 'P2' })]);
    expect(index.forgetGone(root, third, (p) => !p.endsWith('a.dcm'))).toBe(0);
    expect(index.worklist().map((r) => r.status)).toEqual(['ok', 'ok']);
  });

  it("never takes another scan's work on the same files for a sign that they are gone", () => {
    // A scan of the root and one of a subfolder, interleaved as two scan workers may be: the subfolder's scan
    // sees b.dcm last, yet the root's scan saw it too.
    const sub = path.join(root, 'sub');
    const inSub = (name: string) => ({ ...ok(`sub/${name}`), root: sub });
    scan([ok('a.dcm'), inSub('b.dcm')]);
    const whole = index.beginScan('whole', root);
    index.writeBatch(whole, { unchanged: [path.join(root, 'a.dcm'), path.join(sub, 'b.dcm')].map((p) => ({ id: index.knownFile(p)!.id, root })), records: [] });
    const part = index.beginScan('part', sub);
    index.writeBatch(part, { unchanged: [{ id: index.knownFile(path.join(sub, 'b.dcm'))!.id, root: sub }], records: [] });
    expect(index.forgetGone(root, whole, () => true)).toBe(0);
    expect(index.forgetGone(sub, part, () => true)).toBe(0);
    expect(index.worklist()[0]).toMatchObject({ imageCount: 2, errorCount: 0 });
  });

  it('keeps an instance id when its file is re-read, and moves it when its header changed study', () => {
    scan([ok('a.dcm')]);
    const id = index.worklist()[0].firstInstanceId;
    scan([ok('a.dcm', { studyInstanceUid: '1.2.3.9', seriesInstanceUid: '1.2.3.9.1' })]);
    index.pruneEmpty();
    expect(index.worklist().map((r) => [r.studyInstanceUid, r.firstInstanceId])).toEqual([['1.2.3.9', id]]);
    // A re-read that fails keeps the instance (and what hangs on it), shown with the file's error.
    scan([failed('a.dcm')]);
    index.pruneEmpty();
    expect(index.worklist()).toMatchObject([{ studyInstanceUid: '1.2.3.9', status: 'error', errorCount: 1, firstInstanceId: null }]);
    expect(index.detail('1.2.3.9')!.series[0].instances[0]).toMatchObject({ id, status: 'error', error: { code: 'not-dicom' } });
    expect(index.knownFile(path.join(root, 'a.dcm'))).toMatchObject({ status: 'error', errorCode: 'not-dicom', size: 100, skipped: 0 });
  });

  it('remembers the folders scanned, most recent first', () => {
    index.beginScan('s1', '/a');
    index.beginScan('s2', '/b');
    index.beginScan('s3', '/a');
    expect(index.roots()).toEqual(['/a', '/b']);
  });

  it('records its schema version and reopens without migrating again', () => {
    index.close();
    index = StudyIndex.open(path.join(dir, 'index.sqlite'));
    const db = new Database(path.join(dir, 'index.sqlite'), { readonly: true });
    try {
      expect(db.prepare('SELECT version FROM migrations').all()).toEqual(migrations.map((_, i) => ({ version: i + 1 })));
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('refuses an index written by a newer schema instead of damaging it', () => {
    index.close();
    const db = new Database(path.join(dir, 'index.sqlite'));
    db.prepare('INSERT INTO migrations (version, applied_at) VALUES (?, 0)').run(migrations.length + 1);
    db.close();
    expect(() => StudyIndex.open(path.join(dir, 'index.sqlite'))).toThrow(/newer Pleura/);
    index = StudyIndex.open(':memory:');
  });
});

describe('pure helpers', () => {
  it('studyStatus', () => {
    expect(studyStatus(3, 0)).toBe('ok');
    expect(studyStatus(3, 1)).toBe('partial');
    expect(studyStatus(3, 3)).toBe('error');
  });

  it('pathRangeUnder holds exactly the paths inside the folder', () => {
    const [low, high] = pathRangeUnder('/data/xr');
    const inside = (p: string) => p >= low && p < high;
    expect(['/data/xr/a.dcm', '/data/xr/sub/b.dcm'].every(inside)).toBe(true);
    expect(['/data/xr', '/data/xray/a.dcm', '/data/xr.dcm', '/data/x'].some(inside)).toBe(false);
    expect(pathRangeUnder('/')).toEqual(['/', '0']);
  });
});

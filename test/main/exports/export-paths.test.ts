// Where exports land when the DICOM values are hostile: a SOP Instance UID that is a path ("../../PWNED"), an
// over-long one, one with a comma, a link planted inside the export folder. Nothing may land outside the chosen
// folder, the file names are safe, the result and the audit log still name the real UIDs, and a UID no CSV cell can
// hold costs its own row only. Then the folders exports.run and audit.export refuse, which must be the same.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMaskTable } from '../../../ml/post';
import { EventHub } from '../../../main/api/events';
import type { ExportResult } from '../../../main/api/contract';
import { exportForbiddenFolders } from '../../../main/exports/export-folder';
import { createExportService } from '../../../main/exports/service';
import { isWithin, uidFileStem } from '../../../main/fs/contained-path';
import { auditLogPath, openAuditLog } from '../../../main/review/audit-log';
import { createReviewService } from '../../../main/review/service';
import { ensureDataDir, indexPath } from '../../../main/services/data-dir';
import { decodeFile } from '../../../main/studies/dicom';
import { StudyIndex } from '../../../main/studies/index-db';
import { runScan } from '../../../main/studies/scanner';
import { createTriageStore } from '../../../main/triage/results-store';
import { writeSyntheticDicom } from '../../fixtures/synthetic-dicom';
import { CONTEXT, saveFixtureVerdict } from '../../fixtures/triaged-studies';

const SIZE = 64;
/** A CSV cell cannot hold these as they are */
const CSV_BREAKING = ['1.2,3', '1.2\n4'];
const HOSTILE_UIDS = ['../../PWNED', 'a/b', '..', `1.2.${'3'.repeat(200)}`, 'x\\y', '.hidden', '1.2.840.5', ...CSV_BREAKING];

const dir = mkdtempSync(path.join(os.tmpdir(), 'pleura-export-paths-'));
const dataDir = ensureDataDir(path.join(dir, 'data'));
/** deep enough that "../../PWNED" from its seg/ would still be inside dir */
const source = path.join(dir, 'a', 'b', 'studies');
const linkedStudies = path.join(dir, 'elsewhere', 'linked-studies');
const index = StudyIndex.open(indexPath(dataDir));
const store = createTriageStore(index.database);
const audit = openAuditLog(index.database, auditLogPath(dataDir));
const roots = () => index.roots();
const service = createExportService({
  store,
  audit,
  worklist: (triage) => index.worklist(triage),
  forbiddenFolders: () => exportForbiddenFolders(index.database, roots(), dataDir),
  decode: decodeFile,
  reviewer: () => 'Dr Ada',
  triageContext: () => CONTEXT,
  softwareVersion: '9.9.9-test',
});
const review = createReviewService({ db: index.database, store, dataDir, events: new EventHub(), reviewer: () => 'Dr Ada', triageContext: () => CONTEXT, scannedRoots: roots, audit });

/** Written byte by byte, so an over-long UID stays as long as it is (dcmjs would cut it to 64 characters). */
async function writeStudy(folder: string, file: string, sopUid: string, k: number): Promise<void> {
  mkdirSync(folder, { recursive: true });
  await writeSyntheticDicom(path.join(folder, file), { patientId: `P${k}`, studyUid: `1.2.9.${k}`, seriesUid: `1.2.9.${k}.1`, sopUid, rows: SIZE, columns: SIZE });
}

/** Every path under `root`, but for the folders exports may write to. */
function tree(root: string, skip: readonly string[]): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if (!skip.some((folder) => isWithin(folder, full))) found.push(full);
  }
  return found.sort();
}

beforeAll(async () => {
  for (const [k, uid] of HOSTILE_UIDS.entries()) await writeStudy(source, `${String(k).padStart(4, '0')}.dcm`, uid, k);
  // A folder of studies reached through a link: its images' folder lies outside the scanned root.
  await writeStudy(linkedStudies, 'linked.dcm', '1.2.840.77', HOSTILE_UIDS.length);
  symlinkSync(linkedStudies, path.join(source, 'link'));
  await runScan(index, { root: source, scanId: 'hostile-scan' });
  const rows = index.worklist();
  expect(rows).toHaveLength(HOSTILE_UIDS.length + 1);
  for (const [k, row] of rows.entries()) saveFixtureVerdict(store, index.detail(row.studyInstanceUid)!.series[0].instances[0].id, SIZE, k, true);
}, 60_000);
afterAll(() => {
  index.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('exports.run with hostile SOP Instance UIDs', () => {
  let out: string;
  let result: ExportResult;
  let before: string[];
  const outFolders = () => [path.join(dir, 'out'), path.join(dir, 'out-linked'), dataDir];

  beforeAll(async () => {
    before = tree(dir, outFolders());
    out = path.join(dir, 'out');
    result = await service.handlers['exports.run']({ folder: out, kinds: ['seg', 'secondary-capture', 'submission-csv', 'report'] });
  }, 60_000);

  it('writes every file inside the chosen folder and nothing anywhere else', async () => {
    expect(result.errors).toEqual(CSV_BREAKING.map((uid) => ({ sopInstanceUid: uid, message: expect.stringMatching(/comma or a line break.*left out of the submission CSV/) })));
    const real = await realpath(out);
    for (const file of result.files) expect(isWithin(real, await realpath(file.path)), file.path).toBe(true);
    expect(tree(dir, outFolders())).toEqual(before);
    expect(existsSync(path.join(dir, 'PWNED.seg.dcm'))).toBe(false);
    expect(existsSync(path.join(dir, 'a', 'PWNED.seg.dcm'))).toBe(false);
  });

  it('names each file by its UID when well formed and by a hash otherwise, and reports the real UID', () => {
    const seg = result.files.filter((file) => file.kind === 'seg');
    expect(seg.map((file) => file.sopInstanceUid).sort()).toEqual([...HOSTILE_UIDS, '1.2.840.77'].sort());
    for (const file of seg) {
      expect(file.path).toBe(path.join(result.folder, 'seg', `${uidFileStem(file.sopInstanceUid!)}.seg.dcm`));
      expect(path.basename(file.path)).toMatch(/^(\d+(\.\d+)*|uid-[0-9a-f]{32})\.seg\.dcm$/);
    }
    expect(path.basename(seg.find((file) => file.sopInstanceUid === '1.2.840.5')!.path)).toBe('1.2.840.5.seg.dcm');
    const audited = audit.list().filter((entry) => entry.action === 'export' && entry.sopInstanceUid !== null);
    expect(audited.map((entry) => entry.sopInstanceUid).sort()).toEqual([...HOSTILE_UIDS, '1.2.840.77'].sort());
  });

  it('the submission CSV holds every image a CSV row can name', () => {
    const table = parseMaskTable(readFileSync(result.files.find((file) => file.kind === 'submission-csv')!.path, 'utf8'));
    expect([...table.keys()].sort()).toEqual([...HOSTILE_UIDS.filter((uid) => !CSV_BREAKING.includes(uid)), '1.2.840.77'].sort());
  });

  it('refuses to follow a link planted as seg/ in the export folder back into the source folder', async () => {
    const linked = path.join(dir, 'out-linked');
    mkdirSync(linked);
    symlinkSync(source, path.join(linked, 'seg'));
    const sourceBefore = readdirSync(source).sort();
    const again = await service.handlers['exports.run']({ folder: linked, kinds: ['seg'] });
    expect(readdirSync(source).sort()).toEqual(sourceBefore);
    expect(again.files).toEqual([]);
    expect(again.errors).toHaveLength(HOSTILE_UIDS.length + 1);
    for (const error of again.errors) expect(error.message).toMatch(/refusing to write .* outside/);
  }, 60_000);
});

describe('the folders exports.run and audit.export refuse', () => {
  const refused: [string, string, RegExp][] = [
    ['the scanned folder', source, /scanned folder/],
    ['a folder inside the scanned one', path.join(source, 'exports'), /inside the scanned folder/],
    ["a linked image's folder outside the scanned one", linkedStudies, /indexed source images/],
    ['the data directory', dataDir, /data directory/],
    ['a folder inside the data directory', path.join(dataDir, 'exports'), /data directory/],
    ['the root', '/', /root of a file system/],
    ['/dev', '/dev', /\/dev, a system folder/],
    ['inside /proc', '/proc/self', /\/proc, a system folder/],
    ['inside /sys', '/sys/kernel', /\/sys, a system folder/],
  ];

  it.each(refused)('both refuse %s', async (_, folder, why) => {
    await expect(service.handlers['exports.run']({ folder, kinds: ['report'] })).rejects.toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(why) });
    await expect(review.handlers['audit.export']({ folder })).rejects.toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(why) });
  });

  it('a link to a refused folder is refused as that folder', async () => {
    const link = path.join(dir, 'innocent-looking');
    symlinkSync(dataDir, link);
    await expect(service.handlers['exports.run']({ folder: link, kinds: ['report'] })).rejects.toThrow(/data directory/);
    await expect(review.handlers['audit.export']({ folder: path.join(link, 'sub') })).rejects.toThrow(/data directory/);
  });

  it('both write into a folder of their own', async () => {
    const folder = path.join(dir, 'exports-ok');
    expect((await review.handlers['audit.export']({ folder })).path.startsWith(folder + path.sep)).toBe(true);
    expect((await service.handlers['exports.run']({ folder, kinds: ['report'] })).files).toHaveLength(1);
  });
});

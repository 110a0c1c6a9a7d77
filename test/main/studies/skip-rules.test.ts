import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimsDicomByName, hasDicmMarker, isNotAnImage, isSkippedFolder, isSkippedName } from '../../../main/studies/skip-rules';

it('isSkippedName and isSkippedFolder', () => {
  expect(['.DS_Store', '._IM0001', '.hidden', 'DICOMDIR', 'dicomdir', 'Thumbs.db', 'thumbs.db', 'desktop.ini', 'Desktop.ini'].every(isSkippedName)).toBe(true);
  expect(['IM0001', 'a.dcm', 'DICOMDIR.txt', 'x.', 'README', 'Thumbs.db.dcm'].some(isSkippedName)).toBe(false);
  expect(['.git', '.AppleDouble'].every(isSkippedFolder)).toBe(true);
  expect(isSkippedFolder('studies')).toBe(false);
});

it('claimsDicomByName', () => {
  expect(['a.dcm', 'A.DCM', 'b.dicom', 'c.DIC', '/x.y/z.dcm'].every(claimsDicomByName)).toBe(true);
  expect(['README', 'a.csv', 'dcm', 'a.dcm.txt', 'IM0001'].some(claimsDicomByName)).toBe(false);
});

describe('files', () => {
  let dir: string;
  const file = (name: string, contents: string | Buffer) => {
    const target = path.join(dir, name);
    writeFileSync(target, contents);
    return target;
  };
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pleura-skip-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('hasDicmMarker reads the four bytes at 128', async () => {
    expect(await hasDicmMarker(file('marked', Buffer.concat([Buffer.alloc(128), Buffer.from('DICM')])))).toBe(true);
    expect(await hasDicmMarker(file('short', 'DICM'))).toBe(false);
    expect(await hasDicmMarker(file('text', 'x'.repeat(200)))).toBe(false);
    expect(await hasDicmMarker(path.join(dir, 'absent'))).toBe(false);
  });

  it('isNotAnImage: only a not-dicom outcome of a file that never claimed to be DICOM', async () => {
    const notDicom = (p: string) => ({ path: p, code: 'not-dicom' as const, message: 'not a DICOM file' });
    expect(await isNotAnImage(file('README', 'hello'), notDicom('README'))).toBe(true);
    const readme = path.join(dir, 'README');
    expect(await isNotAnImage(readme, { ...notDicom(readme), code: 'truncated' })).toBe(false);
    expect(await isNotAnImage(file('a.dcm', 'hello'), notDicom('a.dcm'))).toBe(false);
    const marked = file('IMG0001', Buffer.concat([Buffer.alloc(128), Buffer.from('DICMgarbage')]));
    expect(await isNotAnImage(marked, notDicom(marked))).toBe(false);
  });
});

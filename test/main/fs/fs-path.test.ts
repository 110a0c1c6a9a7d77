import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayName, fsPathOf, openablePath, openShown } from '../../../main/fs/fs-path';

describe('displayName', () => {
  it('reads UTF-8 names as UTF-8 and any other bytes as Latin-1', () => {
    expect(displayName(Buffer.from('café.dcm', 'utf8'))).toBe('café.dcm');
    expect(displayName(Buffer.from([0x63, 0x61, 0x66, 0xe9]))).toBe('café');
    expect(displayName(Buffer.from('IM0001'))).toBe('IM0001');
  });

  it('fsPathOf keeps UTF-8 paths as strings and hands other bytes over as they are', () => {
    expect(fsPathOf(Buffer.from('/a/é'))).toBe('/a/é');
    const latin1 = Buffer.from([0x2f, 0x61, 0x2f, 0xe9]);
    expect(fsPathOf(latin1)).toBe(latin1);
  });
});

describe('openablePath', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pleura-fs-path-'));
    // One folder named in Latin-1, one in UTF-8, each holding a file whose name is the other way round.
    const latin1Folder = Buffer.concat([Buffer.from(`${dir}/r`), Buffer.from([0xe9]), Buffer.from('sultats')]);
    mkdirSync(latin1Folder);
    writeFileSync(Buffer.concat([latin1Folder, Buffer.from('/é.dcm', 'utf8')]), 'in latin-1 folder');
    mkdirSync(path.join(dir, 'été'));
    writeFileSync(Buffer.concat([Buffer.from(path.join(dir, 'été') + '/', 'utf8'), Buffer.from([0xe9, 0x2e, 0x64, 0x63, 0x6d])]), 'latin-1 name');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('returns a path that exists as it is', async () => {
    expect(await openablePath(dir)).toBe(dir);
  });

  it('finds Latin-1 components, whichever part of the path they are', async () => {
    const first = await openablePath(path.join(dir, 'résultats', 'é.dcm'));
    expect(Buffer.isBuffer(first)).toBe(true);
    expect(readFileSync(first, 'utf8')).toBe('in latin-1 folder');
    expect(readFileSync(await openablePath(path.join(dir, 'été', 'é.dcm')), 'utf8')).toBe('latin-1 name');
  });

  it('openShown opens by the string, else by the Latin-1 bytes, and fails with ENOENT on what names nothing', async () => {
    const handle = await openShown(path.join(dir, 'été', 'é.dcm'), 'r');
    try {
      expect((await handle.readFile()).toString()).toBe('latin-1 name');
    } finally {
      await handle.close();
    }
    await expect(openShown(path.join(dir, 'été', 'nothing.dcm'), 'r')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('leaves a path that names nothing unchanged, so opening it fails with ENOENT', async () => {
    for (const missing of [path.join(dir, 'nope', 'é.dcm'), path.join(dir, 'été', '€.dcm'), 'relative/é.dcm']) {
      expect(await openablePath(missing)).toBe(missing);
    }
  });
});

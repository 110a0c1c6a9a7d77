import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { opendir, readFile, stat } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkFiles, type BufferDirent, type WalkEntry, type WalkOptions } from '../../../main/studies/walk';
import { openablePath } from '../../../main/fs/fs-path';

async function collect(root: string, options: WalkOptions = {}): Promise<WalkEntry[]> {
  const entries: WalkEntry[] = [];
  for await (const entry of walkFiles(root, options)) entries.push(entry);
  return entries.sort((a, b) => a.path.localeCompare(b.path));
}

describe('walkFiles', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'pleura-walk-'));
    mkdirSync(path.join(root, 'a/b/c'), { recursive: true });
    writeFileSync(path.join(root, 'top.dcm'), 'x');
    writeFileSync(path.join(root, 'a/b/c/deep.dcm'), 'xyz');
    writeFileSync(path.join(root, '.DS_Store'), 'x');
    writeFileSync(path.join(root, 'a/DICOMDIR'), 'x');
    writeFileSync(path.join(root, 'a/._top.dcm'), 'x');
    writeFileSync(path.join(root, 'Thumbs.db'), 'x');
    mkdirSync(path.join(root, '.git'));
    writeFileSync(path.join(root, '.git/HEAD'), 'x');
    // A loop (a/b/up → a) and a second way into the same folder (alias → a/b): each folder is entered once.
    symlinkSync(path.join(root, 'a'), path.join(root, 'a/b/up'));
    symlinkSync(path.join(root, 'a/b'), path.join(root, 'alias'));
    symlinkSync(path.join(root, 'top.dcm'), path.join(root, 'a/linked.dcm'));
    symlinkSync(path.join(root, 'missing.dcm'), path.join(root, 'dangling.dcm'));
    execFileSync('mkfifo', [path.join(root, 'pipe.dcm')]);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('streams regular files, follows links without looping, skips hidden files, DICOMDIR and pipes', async () => {
    const skipped: string[] = [];
    const entries = await collect(root, { onSkipped: (p) => skipped.push(path.relative(root, p)) });
    // Files are counted as skipped; hidden folders (.git) are not entered at all.
    expect(skipped.sort()).toEqual(['.DS_Store', 'Thumbs.db', 'a/._top.dcm', 'a/DICOMDIR']);
    const relative = entries.map((e) => path.relative(root, e.path));
    // a/b is reached either directly or through "alias", whichever the walk meets first: exactly once.
    const deep = relative.filter((p) => p.endsWith('deep.dcm'));
    expect(deep).toHaveLength(1);
    expect(relative.filter((p) => !p.endsWith('deep.dcm'))).toEqual(['a/linked.dcm', 'dangling.dcm', 'top.dcm']);
    const top = entries.find((e) => e.path.endsWith('top.dcm')) as Extract<WalkEntry, { size: number }>;
    expect(top).toMatchObject({ size: 1 });
    expect(top.mtimeMs).toBeGreaterThan(0);
  });

  it('reports a dangling link as an entry with its error rather than failing the walk', async () => {
    const dangling = (await collect(root)).find((e) => e.path.endsWith('dangling.dcm'))!;
    expect(dangling.error?.code).toBe('ENOENT');
  });

  it('fails at once on a root that does not exist', async () => {
    await expect(collect(path.join(root, 'nope'))).rejects.toThrow(/ENOENT/);
  });
});

describe('walkFiles on names and folders that fail', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'pleura-walk-fail-'));
    for (const dir of ['good', 'flaky']) {
      mkdirSync(path.join(root, dir));
      for (const name of ['1.dcm', '2.dcm', '3.dcm']) writeFileSync(path.join(root, dir, name), 'x');
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reports a folder whose listing breaks off (EIO) as a folder error, keeps what it listed and goes on', async () => {
    // A disk that fails halfway through a folder: the second entry of "flaky" throws, as a bad sector does.
    const io: WalkOptions['io'] = {
      stat: (target) => stat(target),
      async opendir(dir) {
        const handle = await opendir(dir, { encoding: 'buffer' as BufferEncoding });
        if (path.basename(dir.toString()) !== 'flaky') return handle as unknown as AsyncIterable<BufferDirent>;
        return (async function* () {
          let n = 0;
          for await (const dirent of handle) {
            if (++n === 2) throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
            yield dirent as unknown as BufferDirent;
          }
        })();
      },
    };
    const entries = await collect(root, { io });
    const errors = entries.filter((e) => e.error);
    expect(errors).toEqual([{ path: path.join(root, 'flaky'), error: expect.objectContaining({ code: 'EIO' }), folder: true }]);
    const files = entries.filter((e) => !e.error).map((e) => path.relative(root, e.path));
    expect(files.filter((p) => p.startsWith('good'))).toHaveLength(3);
    expect(files.filter((p) => p.startsWith('flaky'))).toHaveLength(1);
  });

  it('shows a Latin-1 file name as Latin-1, and that name opens the file', async () => {
    const dir = path.join(root, 'latin1');
    mkdirSync(dir);
    // "café.dcm" and "Ärzte/" written in Latin-1: the bytes 0xE9 and 0xC4 are not UTF-8.
    const folderBytes = Buffer.concat([Buffer.from(`${dir}/`), Buffer.from([0xc4]), Buffer.from('rzte')]);
    mkdirSync(folderBytes);
    writeFileSync(Buffer.concat([folderBytes, Buffer.from('/caf'), Buffer.from([0xe9]), Buffer.from('.dcm')]), 'latin-1 bytes');
    const entries = await collect(dir);
    expect(entries).toEqual([{ path: path.join(dir, 'Ärzte', 'café.dcm'), size: 13, mtimeMs: expect.any(Number) }]);
    expect(entries[0].path).not.toContain('\ufffd');
    expect(await readFile(await openablePath(entries[0].path), 'utf8')).toBe('latin-1 bytes');
  });
});

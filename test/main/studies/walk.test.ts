import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSkippedName, walkFiles, type WalkEntry } from '../../../main/studies/walk';

async function collect(root: string): Promise<WalkEntry[]> {
  const entries: WalkEntry[] = [];
  for await (const entry of walkFiles(root)) entries.push(entry);
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
    const entries = await collect(root);
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

it('isSkippedName', () => {
  expect(['.DS_Store', '._IM0001', '.hidden', 'DICOMDIR', 'dicomdir'].every(isSkippedName)).toBe(true);
  expect(['IM0001', 'a.dcm', 'DICOMDIR.txt', 'x.'].some(isSkippedName)).toBe(false);
});

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRotatingFile } from '../../../main/services/rotating-file';

describe('createRotatingFile', () => {
  let dir: string;
  let file: string;
  let failures: Error[];
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pleura-rotating-'));
    file = path.join(dir, 'logs', 'pleura.log');
    failures = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const open = (maxBytes = 100, keep = 2, target = file) => createRotatingFile({ file: target, maxBytes, keep, onFailure: (error) => failures.push(error) });
  const read = (name: string) => readFileSync(path.join(dir, 'logs', name), 'utf8');

  it('creates its folder and appends', () => {
    const write = open();
    write('one\n');
    write('two\n');
    expect(read('pleura.log')).toBe('one\ntwo\n');
    expect(failures).toEqual([]);
  });

  it('starts a new file when the next text would pass the size, keeping the newest old files', () => {
    const write = open(10, 2);
    for (const line of ['aaaa\n', 'bbbb\n', 'cccc\n', 'dddd\n', 'eeee\n', 'ffff\n', 'gggg\n']) write(line);
    expect(read('pleura.log')).toBe('gggg\n');
    expect(read('pleura.log.1')).toBe('eeee\nffff\n');
    expect(read('pleura.log.2')).toBe('cccc\ndddd\n');
    expect(existsSync(path.join(dir, 'logs', 'pleura.log.3'))).toBe(false);
  });

  it('counts what an earlier run left in the file', () => {
    open()('x'.repeat(8));
    const write = open(10);
    write('yyy');
    expect(read('pleura.log')).toBe('yyy');
    expect(read('pleura.log.1')).toBe('x'.repeat(8));
  });

  it('writes a text bigger than the limit whole, into a file of its own', () => {
    const write = open(4);
    write('0123456789');
    write('ab');
    expect(read('pleura.log.1')).toBe('0123456789');
    expect(read('pleura.log')).toBe('ab');
  });

  it('never throws: a failure is reported once until a write succeeds again', () => {
    const blocker = path.join(dir, 'blocker');
    writeFileSync(blocker, 'a file where the folder should be');
    const write = open(100, 2, path.join(blocker, 'pleura.log'));
    expect(() => write('lost\n')).not.toThrow();
    expect(() => write('lost again\n')).not.toThrow();
    expect(failures).toHaveLength(1);
    expect((failures[0] as NodeJS.ErrnoException).code).toMatch(/^E/);

    rmSync(blocker);
    write('kept\n');
    expect(readFileSync(path.join(blocker, 'pleura.log'), 'utf8')).toBe('kept\n');
    rmSync(blocker, { recursive: true });
    writeFileSync(blocker, '');
    write('lost once more\n');
    expect(failures).toHaveLength(2);
  });

  it.runIf(existsSync('/dev/full'))('never throws on a full disk', () => {
    const write = createRotatingFile({ file: '/dev/full', maxBytes: 1 << 20, keep: 1, onFailure: (error) => failures.push(error) });
    expect(() => write('no space\n')).not.toThrow();
    expect((failures[0] as NodeJS.ErrnoException).code).toBe('ENOSPC');
  });
});

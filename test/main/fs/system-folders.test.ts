import { describe, expect, it } from 'vitest';
import { uidFileStem } from '../../../main/fs/contained-path';
import { systemFolderOf } from '../../../main/fs/system-folders';

const linux = { platform: 'linux' as const, env: {} };
const windows = { platform: 'win32' as const, env: { SystemRoot: 'C:\\Windows' } };

describe('systemFolderOf', () => {
  it('names the root and the kernel trees with what is inside them, and nothing else', () => {
    expect(systemFolderOf('/', linux)).toBe('/, the root of a file system');
    expect(systemFolderOf('/dev', linux)).toBe('/dev, a system folder');
    expect(systemFolderOf('/dev/shm/x', linux)).toBe('/dev, a system folder');
    expect(systemFolderOf('/proc/self/fd', linux)).toBe('/proc, a system folder');
    expect(systemFolderOf('/sys/kernel', linux)).toBe('/sys, a system folder');
    for (const folder of ['/home/ada/exports', '/devices', '/tmp/proc', '/system']) expect(systemFolderOf(folder, linux), folder).toBeNull();
  });

  it('on Windows: any drive root, and the Windows folder in any case', () => {
    expect(systemFolderOf('C:\\', windows)).toBe('C:\\, the root of a file system');
    expect(systemFolderOf('D:\\', windows)).toBe('D:\\, the root of a file system');
    expect(systemFolderOf('c:\\windows\\System32', windows)).toBe('C:\\Windows, the Windows folder');
    expect(systemFolderOf('C:\\Users\\ada\\exports', windows)).toBeNull();
    expect(systemFolderOf('C:\\Users\\ada', { platform: 'win32', env: {} })).toBeNull();
  });
});

describe('uidFileStem', () => {
  it('keeps a well-formed UID and hashes anything else, the same value to the same name', () => {
    expect(uidFileStem('1.2.840.10008.5.1.4.1.1.7')).toBe('1.2.840.10008.5.1.4.1.1.7');
    const hostile = ['../../PWNED', 'a/b', '..', '.', '', 'x\0y', 'x\\y', 'CON', `1.2.${'3'.repeat(70)}`, '1..2', '1.2.'];
    const stems = hostile.map(uidFileStem);
    for (const stem of stems) expect(stem).toMatch(/^uid-[0-9a-f]{32}$/);
    expect(new Set(stems).size).toBe(hostile.length);
    expect(uidFileStem('../../PWNED')).toBe(stems[0]);
  });
});

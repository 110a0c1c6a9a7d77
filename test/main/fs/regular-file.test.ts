// Files named from outside are read only as regular files of bounded size: a FIFO never blocks the reader, /dev/zero
// and a huge or growing file never fill memory, and a gzip table is bounded after inflation too.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MASK_TABLE_BYTES, readMaskTableFile } from '../../../main/fs/read-mask-table';
import { readRegularFile, UnreadableFileError } from '../../../main/fs/regular-file';
import { MaskTableError } from '../../../ml/post';

const root = mkdtempSync(path.join(tmpdir(), 'pleura-regular-file-'));
const fifo = path.join(root, 'table.fifo');
const sparse = path.join(root, 'sparse.csv');
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeAll(() => {
  execFileSync('mkfifo', [fifo]);
  writeFileSync(sparse, '');
  truncateSync(sparse, 100 * 2 ** 30);
});

describe('readRegularFile', () => {
  it('reads a regular file whole', async () => {
    const file = path.join(root, 'small.txt');
    writeFileSync(file, 'abc');
    expect((await readRegularFile(file, 3)).toString()).toBe('abc');
    await expect(readRegularFile(file, 2)).rejects.toThrow(`${file} is 3 bytes, more than the 2 bytes Pleura reads`);
  });

  it.each([
    ['a FIFO, without blocking', fifo, 'is a FIFO (named pipe), not a regular file'],
    ['/dev/zero', '/dev/zero', 'is a character device, not a regular file'],
    ['a folder', root, 'is a folder, not a file'],
    ['a huge sparse file, without reading it', sparse, 'is 107374182400 bytes, more than the 1 MiB Pleura reads'],
  ])('refuses %s', async (_, file, why) => {
    await expect(readRegularFile(file, 2 ** 20)).rejects.toThrow(new UnreadableFileError(`${file} ${why}`));
  });

  it('stops at the cap a file whose size says less than it holds (/proc)', async () => {
    await expect(readRegularFile('/proc/self/status', 16)).rejects.toThrow('/proc/self/status holds more than the 16 bytes Pleura reads');
  });
});

describe('readMaskTableFile', () => {
  it('reads a table, gzipped or not', async () => {
    const text = 'ImageId, EncodedPixels\n1.2.3, -1\n';
    writeFileSync(path.join(root, 't.csv'), text);
    writeFileSync(path.join(root, 't.csv.gz'), gzipSync(text));
    for (const name of ['t.csv', 't.csv.gz']) expect([...(await readMaskTableFile(path.join(root, name))).keys()]).toEqual(['1.2.3']);
  });

  it('refuses a FIFO and /dev/zero as mask table errors', async () => {
    await expect(readMaskTableFile(fifo)).rejects.toThrow(new MaskTableError(`${fifo} is a FIFO (named pipe), not a regular file`));
    await expect(readMaskTableFile('/dev/zero')).rejects.toThrow(new MaskTableError('/dev/zero is a character device, not a regular file'));
  });

  it('refuses a small gzip file that inflates past the cap', async () => {
    const bomb = path.join(root, 'bomb.csv.gz');
    writeFileSync(bomb, gzipSync(Buffer.alloc(MAX_MASK_TABLE_BYTES + 1, 0x30)));
    await expect(readMaskTableFile(bomb)).rejects.toThrow(new MaskTableError(`${bomb}: inflates to more than the 64 MiB Pleura reads of a mask table`));
  });

  it('never quotes the file it was given', async () => {
    const file = path.join(root, 'passwd');
    writeFileSync(file, 'root:x:0:0:do-not-echo\n');
    await expect(readMaskTableFile(file)).rejects.toThrow(new MaskTableError(`${file}: line 1: not a mask table: expected the header "ImageId,EncodedPixels"`));
  });
});

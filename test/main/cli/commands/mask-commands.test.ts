// `pleura score` and `pleura rle roundtrip` through their run() functions, on small tables written here.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { rle } from '../../../../main/cli/commands/rle';
import { score } from '../../../../main/cli/commands/score';
import type { CliCommand } from '../../../../main/cli/run';

const dir = mkdtempSync(path.join(tmpdir(), 'pleura-masks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

function file(name: string, text: string | Buffer): string {
  const target = path.join(dir, name);
  writeFileSync(target, text);
  return target;
}

/** Runs a command as the CLI would after parsing its flags; returns its exit code and what it wrote. */
async function run(command: CliCommand, positionals: string[], values: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  const code = await command.run({ positionals, values });
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

// 3 x 4 images (see test/ml/post/rle.test.ts for the numbering): b's truth is 7 pixels, its prediction 2 of them.
const truthText = 'ImageId, EncodedPixels\na, -1\nb, 0 2\nb, 7 5\nc, 0 1\n';
const size = { width: '4', height: '3' };

describe('pleura score', () => {
  it('scores a gzipped truth table against itself as 1', async () => {
    const truth = file('truth.csv.gz', gzipSync(truthText));
    const result = await run(score, [], { truth, pred: truth, ...size });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ score: 1, images: 3, missingPredictions: 0, unknownPredictions: 0 });
  });

  it('scores a hand-computed case: (1 + 4/9 + 0) / 3, c missing, d unknown', async () => {
    const truth = file('truth.csv', truthText);
    const pred = file('pred.csv', 'ImageId,EncodedPixels\na,-1\nb,0 2\nd,0 1\n');
    const result = await run(score, [], { truth, pred, ...size });
    expect(JSON.parse(result.stdout)).toEqual({ score: 13 / 27, images: 3, missingPredictions: 1, unknownPredictions: 1 });
  });

  it('names the file, line and ImageId of a malformed row, and exits 1', async () => {
    const truth = file('truth.csv', truthText);
    const pred = file('bad.csv', 'ImageId,EncodedPixels\na,-1\nb,0 2 5\n');
    expect(await run(score, [], { truth, pred, ...size })).toEqual({ code: 1, stdout: '', stderr: `pleura: ${pred}: line 3 (ImageId b): odd number of values (3); runs are (gap, length) pairs\n` });
    const missing = path.join(dir, 'nope.csv');
    expect((await run(score, [], { truth, pred: missing })).stderr).toMatch(`pleura: ${missing}: cannot read: ENOENT`);
  });

  it('checks its flags', async () => {
    await expect(run(score, [], { truth: 'x.csv' })).rejects.toThrow(/usage: pleura score --truth/);
    await expect(run(score, [], { truth: 'x.csv', pred: 'y.csv', width: '0' })).rejects.toThrow(/--width must be a positive whole number of pixels, got "0"/);
  });
});

describe('pleura rle roundtrip', () => {
  it('unions the rows of each image and writes a submission table', async () => {
    const input = file('train.csv.gz', gzipSync(truthText));
    const out = path.join(dir, 'out.csv');
    const result = await run(rle, ['roundtrip', input], { out, ...size });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ rows: 4, images: 3, positive: 2, empty: 1, out });
    // b: pixels 0, 1 and 7..11 become one row, "0 2 5 5"; c keeps its first pixel.
    expect(readFileSync(out, 'utf8')).toBe('ImageId,EncodedPixels\na,-1\nb,0 2 5 5\nc,0 1\n');
  });

  it('writes nothing when a row is malformed, and refuses to overwrite its input', async () => {
    const input = file('bad-train.csv', 'ImageId,EncodedPixels\na,-1\nb,0 13\n');
    const out = path.join(dir, 'never.csv');
    const result = await run(rle, ['roundtrip', input], { out, ...size });
    expect(result).toMatchObject({ code: 1, stderr: `pleura: ${input}: line 3 (ImageId b): run 1 covers pixels 0..12, beyond the 12 pixels of a 3 x 4 image\n` });
    expect(() => readFileSync(out)).toThrow(/ENOENT/);
    await expect(run(rle, ['roundtrip', input], { out: input })).rejects.toThrow(/--out must not be the input table/);
    await expect(run(rle, ['encode', input], { out })).rejects.toThrow(/usage: pleura rle roundtrip/);
  });
});

import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import dicomParser from 'dicom-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phantoms } from '../../../main/cli/commands/phantoms';
import { decodeFile } from '../../../main/studies/dicom';
import { renderPhantom } from '../../../ml/phantoms';
import { decodeImageRows, parseMaskTable } from '../../../ml/post';

const SIZE = 128;
let root: string;
let out: string;
const run = (values: Record<string, string | boolean>) => phantoms.run({ positionals: [], values });

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'pleura-phantoms-'));
  out = path.join(root, 'set');
  expect(await run({ out, count: '6', seed: '7', size: String(SIZE), 'positive-fraction': '0.5' })).toBe(0);
}, 60_000);
afterAll(() => rm(root, { recursive: true, force: true }));

describe('pleura phantoms', () => {
  it('writes decodable JPEG Baseline DICOMs equal to the rendered phantoms within JPEG error', async () => {
    const summary = JSON.parse(await readFile(path.join(out, 'phantoms.json'), 'utf8'));
    expect(summary).toMatchObject({ seed: 7, count: 6, size: SIZE });
    expect((await readdir(out)).filter((f) => f.endsWith('.dcm'))).toHaveLength(6);
    for (const record of summary.images) {
      const decoded = await decodeFile(path.join(out, record.file));
      expect(decoded.info.transferSyntaxName).toContain('JPEG Baseline');
      const rendered = renderPhantom(record.seed, { rows: SIZE, positiveFraction: 0.5 });
      let diff = 0;
      for (let i = 0; i < rendered.image.data.length; i++) diff += Math.abs(decoded.pixels[i] - rendered.image.data[i]);
      expect(diff / rendered.image.data.length).toBeLessThan(3);
      expect(record.positive).toBe(rendered.positive);
    }
  });

  it('has SIIM-like, SYNTHETIC-marked headers with unique UIDs and one patient per phantom', async () => {
    const summary = JSON.parse(await readFile(path.join(out, 'phantoms.json'), 'utf8'));
    const uids = new Set<string>();
    const patients = new Set<string>();
    for (const record of summary.images) {
      const set = dicomParser.parseDicom(await readFile(path.join(out, record.file)));
      expect(set.string('x00020010')).toBe('1.2.840.10008.1.2.4.50');
      expect([set.string('x00080060'), set.string('x00185101'), set.string('x00280004')]).toEqual(['CR', 'PA', 'MONOCHROME2']);
      expect([set.uint16('x00280100'), set.uint16('x00280010'), set.uint16('x00280011')]).toEqual([8, SIZE, SIZE]);
      expect(set.string('x00100010')).toMatch(/^Phantom\^\d{4}$/);
      expect(set.string('x00081030')).toBe('Pleura synthetic phantom');
      expect(set.string('x00204000')).toContain('SYNTHETIC');
      expect(set.string('x00280030')).toBe(`${(0.143 * 1024) / SIZE}\\${(0.143 * 1024) / SIZE}`);
      const uid = set.string('x00080018')!;
      expect(uid).toMatch(/^2\.25\.\d+$/);
      expect(uid).toBe(record.imageId);
      uids.add(uid);
      patients.add(set.string('x00100020')!);
    }
    expect([uids.size, patients.size]).toEqual([6, 6]);
  });

  it('writes a mask table that decodes to the rendered masks', async () => {
    const text = await readFile(path.join(out, 'train-rle.csv'), 'utf8');
    expect(text.split('\n')[0]).toBe('ImageId, EncodedPixels');
    const table = parseMaskTable(text);
    const summary = JSON.parse(await readFile(path.join(out, 'phantoms.json'), 'utf8'));
    expect(summary.positives).toBeGreaterThan(0);
    for (const record of summary.images) {
      const mask = decodeImageRows(table.get(record.imageId)!, { rows: SIZE, columns: SIZE });
      const rendered = renderPhantom(record.seed, { rows: SIZE, positiveFraction: 0.5 });
      expect(Array.from(mask.data, (v) => (v ? 1 : 0))).toEqual(Array.from(rendered.mask));
      expect(mask.data.reduce((s, v) => s + (v ? 1 : 0), 0)).toBe(record.area);
    }
  });

  it('refuses a folder that holds files unless --force, and leaves it as it was', async () => {
    const taken = path.join(root, 'taken');
    await mkdir(taken);
    await writeFile(path.join(taken, 'keep.txt'), 'mine');
    expect(await run({ out: taken, count: '1', seed: '1', size: '64' })).toBe(1);
    expect(await readdir(taken)).toEqual(['keep.txt']);
    expect(await run({ out: taken, count: '1', seed: '1', size: '64', force: true })).toBe(0);
    expect((await readdir(taken)).sort()).toEqual(['0001.dcm', 'phantoms.json', 'train-rle.csv']);
  });
});

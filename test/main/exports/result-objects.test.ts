import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import dcmjs from 'dcmjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMask, encodeRle } from '../../../ml/post';
import type { ImageTriage } from '../../../main/api/contract';
import { derivedUid } from '../../../main/exports/derived-uid';
import { buildResultObjects, pacsResultKinds, resultUids, resultVersion, type ResultKind, type ResultObject } from '../../../main/exports/result-objects';
import { decodeFile } from '../../../main/studies/dicom';
import { DEFAULT_INTENDED_USE } from '../../../main/triage/intended-use';
import type { StoredTriage, TriageContext } from '../../../main/triage/results-store';
import { dciodvfyErrors, hasDciodvfy } from '../../fixtures/dciodvfy';
import { CONFIG, CONTEXT, writeTriagedStudies, type TriagedStudies } from '../../fixtures/triaged-studies';

const SIZE = 128;
const ALL: ReadonlySet<ResultKind> = new Set(['seg', 'secondary-capture', 'structured-report']);
const UID_SYNTAX = /^(0|[1-9]\d*)(\.(0|[1-9]\d*))*$/;

/** The UID worked out here from its definition: SHA-256 of length-prefixed parts, first 16 bytes as a UUIDv8, in decimal. */
function expectedUid(parts: string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    const bytes = new TextEncoder().encode(part);
    hash.update(new Uint8Array([bytes.length >>> 24, (bytes.length >>> 16) & 255, (bytes.length >>> 8) & 255, bytes.length & 255]));
    hash.update(bytes);
  }
  let value = BigInt(`0x${hash.digest('hex').slice(0, 32)}`);
  value = (value & ~(0xfn << 76n)) | (0x8n << 76n); // version nibble: bits 76-79
  value = (value & ~(0x3n << 62n)) | (0x2n << 62n); // variant: bits 62-63
  return `2.25.${value}`;
}

describe('derivedUid', () => {
  it('is the RFC 9562 name-based UUIDv8 of the SHA-256 of its parts, as a 2.25 UID', () => {
    expect(derivedUid('1.2.3', 'abc', 'seg')).toBe(expectedUid(['1.2.3', 'abc', 'seg']));
    expect(derivedUid()).toBe(expectedUid([]));
    expect(derivedUid('é')).toBe(expectedUid(['é']));
  });

  it('is the same for the same parts and differs when a boundary moves', () => {
    expect(derivedUid('a', 'b')).toBe(derivedUid('a', 'b'));
    expect(derivedUid('ab', 'c')).not.toBe(derivedUid('a', 'bc'));
    expect(derivedUid('a', '')).not.toBe(derivedUid('a'));
    expect(derivedUid('a', 'b')).not.toBe(derivedUid('b', 'a'));
  });

  it('always has a UID\'s syntax, within 64 characters', () => {
    const seen = new Set<string>();
    for (let k = 0; k < 2000; k++) {
      const uid = derivedUid(String(k), 'x'.repeat(k % 7));
      expect(uid).toMatch(UID_SYNTAX);
      expect(uid.startsWith('2.25.')).toBe(true);
      expect(uid.length).toBeLessThanOrEqual(64);
      expect(BigInt(uid.slice(5)).toString(16).padStart(32, '0')[12]).toBe('8');
      seen.add(uid);
    }
    expect(seen.size).toBe(2000);
  });
});

describe('buildResultObjects', () => {
  let fixture: TriagedStudies;
  let dir: string;
  // 0 flagged; 1 flagged, then rejected; 2 not flagged; 3 not flagged, then a pneumothorax drawn in (edited); 4 failed.
  const imageOf = (k: number, context: TriageContext = CONTEXT): ImageTriage => fixture.store.imagesOfStudy(fixture.images[k].studyInstanceUid, context)[0];
  const storedOf = (k: number): StoredTriage => fixture.store.listTriaged({ studyInstanceUids: [fixture.images[k].studyInstanceUid], heatmaps: true })[0];
  const build = (k: number, extra: { identity?: { version: string }; at?: Date } = {}) =>
    buildResultObjects({ image: imageOf(k), triaged: storedOf(k), kinds: ALL, decode: decodeFile, softwareVersion: '9.9.9-test', at: extra.at ?? new Date('2026-02-04T10:00:00Z'), ...extra });
  const read = (object: ResultObject) => {
    const { bytes } = object;
    return dcmjs.data.DicomMetaDictionary.naturalizeDataset(dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).dict);
  };

  beforeAll(async () => {
    fixture = await writeTriagedStudies({ count: 5, positives: 2, size: SIZE });
    dir = mkdtempSync(path.join(os.tmpdir(), 'pleura-results-'));
    const empty = createMask({ rows: SIZE, columns: SIZE });
    const drawn = createMask({ rows: SIZE, columns: SIZE });
    for (let r = 60; r < 80; r++) drawn.data.fill(1, r * SIZE + 20, r * SIZE + 50);
    fixture.store.setReview(fixture.images[1].instanceId, { decision: 'rejected', reviewer: 'Dr Ada', at: '2026-02-03T04:05:06.000Z', maskRle: encodeRle(empty) });
    fixture.store.setReview(fixture.images[3].instanceId, { decision: 'edited', reviewer: 'Dr Ada', at: '2026-02-03T04:05:06.000Z', maskRle: encodeRle(drawn) });
    fixture.store.saveError(fixture.images[4].instanceId, CONFIG, { code: 'decode-failed', message: 'broken' }, new Date('2026-02-03T00:00:00Z'));
  }, 60_000);
  afterAll(() => {
    fixture?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('gives the same UIDs, and the same bytes, for the same result version, and new ones for another version', async () => {
    const version = resultVersion(storedOf(0));
    const first = await build(0, { identity: { version } });
    const again = await build(0, { identity: { version } });
    expect(first.map((object) => object.kind)).toEqual(['seg', 'secondary-capture', 'structured-report']);
    expect(again.map(({ sopInstanceUid, seriesInstanceUid }) => [sopInstanceUid, seriesInstanceUid])).toEqual(first.map(({ sopInstanceUid, seriesInstanceUid }) => [sopInstanceUid, seriesInstanceUid]));
    again.forEach((object, k) => expect(Buffer.from(object.bytes).equals(Buffer.from(first[k].bytes)), object.kind).toBe(true));
    for (const object of first) {
      expect(object).toMatchObject(resultUids(fixture.images[0].sopInstanceUid, version, object.kind));
      expect(read(object)).toMatchObject({ SOPInstanceUID: object.sopInstanceUid, SeriesInstanceUID: object.seriesInstanceUid, StudyInstanceUID: fixture.images[0].studyInstanceUid });
      expect(object.studyInstanceUid).toBe(fixture.images[0].studyInstanceUid);
    }
    const uids = first.flatMap((object) => [object.sopInstanceUid, object.seriesInstanceUid]);
    expect(new Set(uids).size).toBe(6);
    const other = await build(0, { identity: { version: 'another' } });
    for (const uid of other.flatMap((object) => [object.sopInstanceUid, object.seriesInstanceUid])) expect(uids).not.toContain(uid);
  });

  it('gives new random UIDs on every build without an identity, as the exports do', async () => {
    const [a, b] = [await build(0), await build(0)];
    a.forEach((object, k) => {
      expect(object.sopInstanceUid).not.toBe(b[k].sopInstanceUid);
      expect(object.seriesInstanceUid).not.toBe(b[k].seriesInstanceUid);
      expect(object.sopInstanceUid).toMatch(UID_SYNTAX);
    });
  });

  it.skipIf(!hasDciodvfy)('builds a SEG, a Secondary Capture and an SR that pass dciodvfy without errors (skipped without dicom3tools)', async () => {
    for (const k of [0, 3]) {
      const objects = await build(k, { identity: { version: resultVersion(storedOf(k)) } });
      for (const object of objects) {
        const file = path.join(dir, `${k}-${object.kind}.dcm`);
        writeFileSync(file, object.bytes);
        expect(dciodvfyErrors(file), file).toEqual([]);
      }
    }
  });

  it('sends a SEG only for a flagged image, a Secondary Capture and an SR for every assessed one, nothing for the rest', () => {
    const kinds = (image: ImageTriage, stored: StoredTriage) => [...pacsResultKinds(image, stored)].sort();
    const assessed = ['secondary-capture', 'structured-report'];
    const flagged = ['secondary-capture', 'seg', 'structured-report'];
    expect(kinds(imageOf(0), storedOf(0))).toEqual(flagged);
    expect(kinds(imageOf(2), storedOf(2))).toEqual(assessed);
    // rejected: the reviewer's "no pneumothorax" is assessed, and its shown mask is empty
    expect(imageOf(1)).toMatchObject({ state: 'reviewed', flag: 'not-flagged' });
    expect(kinds(imageOf(1), storedOf(1))).toEqual(assessed);
    // a pneumothorax drawn on a not-flagged image makes it flagged
    expect(kinds(imageOf(3), storedOf(3))).toEqual(flagged);

    const elsewhere: TriageContext = { ...CONTEXT, intendedUse: { ...DEFAULT_INTENDED_USE, bodyParts: ['ABDOMEN'], absentBodyPart: false } };
    expect(imageOf(0, elsewhere).state).toBe('not-assessed');
    expect(kinds(imageOf(0, elsewhere), storedOf(0))).toEqual([]);
    const stale: TriageContext = { ...CONTEXT, configKey: 'another-config' };
    expect(imageOf(2, stale).state).toBe('stale');
    expect(kinds(imageOf(2, stale), storedOf(2))).toEqual([]);
    const failed = fixture.store.imagesOfStudy(fixture.images[4].studyInstanceUid, CONTEXT)[0];
    expect(failed.state).toBe('error');
    expect(kinds(failed, { ...storedOf(0), state: 'error', flag: null })).toEqual([]);
  });

  it('names a result version that changes with the configuration and the review, and only then', () => {
    const stored = storedOf(0);
    const version = resultVersion(stored);
    expect(version).toMatch(/^[0-9a-f]{16}$/);
    expect(resultVersion({ ...stored, triagedAt: 'later', heatmap: null })).toBe(version);
    expect(resultVersion({ ...stored, configKey: 'another-config' })).not.toBe(version);
    const review = { decision: 'confirmed' as const, reviewer: 'Dr Ada', at: '2026-02-03T04:05:06.000Z', maskRle: stored.maskRle, figures: { score: 0.9, areaPixels: 1, areaMm2: 0.5, side: null } };
    const confirmed = resultVersion({ ...stored, review });
    expect(confirmed).not.toBe(version);
    expect(resultVersion({ ...stored, review: { ...review, reviewer: 'Dr Bea' } })).not.toBe(confirmed);
    expect(resultVersion({ ...stored, review: { ...review, at: '2026-02-03T04:05:07.000Z' } })).not.toBe(confirmed);
    expect(resultVersion({ ...stored, review: { ...review, decision: 'edited' } })).not.toBe(confirmed);
    expect(resultVersion({ ...stored, review: { ...review, maskRle: '1 2' } })).not.toBe(confirmed);
  });

  it("names the earlier version's SR as the new one's predecessor", async () => {
    const earlier = resultUids(fixture.images[3].sopInstanceUid, 'v1', 'structured-report');
    const objects = await buildResultObjects({
      image: imageOf(3),
      triaged: storedOf(3),
      kinds: new Set(['structured-report']),
      decode: decodeFile,
      softwareVersion: '9.9.9-test',
      at: new Date(),
      identity: { version: resultVersion(storedOf(3)) },
      predecessor: [{ kind: 'secondary-capture', ...resultUids(fixture.images[3].sopInstanceUid, 'v1', 'secondary-capture') }, { kind: 'structured-report', ...earlier }],
    });
    const [predecessor] = read(objects[0]).PredecessorDocumentsSequence;
    expect(predecessor.ReferencedSeriesSequence[0].SeriesInstanceUID).toBe(earlier.seriesInstanceUid);
    expect(predecessor.ReferencedSeriesSequence[0].ReferencedSOPSequence[0].ReferencedSOPInstanceUID).toBe(earlier.sopInstanceUid);
  });

  it('decodes the image only for the Secondary Capture, and builds nothing when asked for nothing', async () => {
    let decodes = 0;
    const counting = (file: string) => {
      decodes++;
      return decodeFile(file);
    };
    const base = { image: imageOf(0), triaged: storedOf(0), softwareVersion: '9.9.9-test', at: new Date(), decode: counting };
    expect(await buildResultObjects({ ...base, kinds: new Set() })).toEqual([]);
    expect((await buildResultObjects({ ...base, kinds: new Set(['seg', 'structured-report']) })).map((object) => object.kind)).toEqual(['seg', 'structured-report']);
    expect(decodes).toBe(0);
    await buildResultObjects({ ...base, kinds: new Set(['secondary-capture']) });
    expect(decodes).toBe(1);
  });
});

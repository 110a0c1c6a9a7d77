import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMask, decodeRle, encodeRle } from '../../../ml/post';
import { ApiError, type ApiEvents } from '../../../main/api/contract';
import { EventHub } from '../../../main/api/events';
import { labelMask, listLabels } from '../../../main/labels/label-store';
import { auditLogPath, openAuditLog } from '../../../main/review/audit-log';
import { createReviewService } from '../../../main/review/service';
import { CONTEXT, MODEL_REF, writeTriagedStudies, type TriagedStudies } from '../../fixtures/triaged-studies';

const SIZE = 64;

describe('review service', () => {
  let fixture: TriagedStudies;
  let service: ReturnType<typeof createReviewService>;
  let reviewer = 'Dr Ada';
  let clock = Date.parse('2026-03-01T10:00:00Z');
  const changed: ApiEvents['worklist.changed'][] = [];

  beforeAll(async () => {
    fixture = await writeTriagedStudies({ count: 4, positives: 2, size: SIZE });
    const events = new EventHub();
    events.subscribe((event, payload) => {
      if (event === 'worklist.changed') changed.push(payload as ApiEvents['worklist.changed']);
    });
    service = createReviewService({
      db: fixture.index.database,
      store: fixture.store,
      dataDir: fixture.dataDir,
      events,
      reviewer: () => reviewer,
      triageContext: () => CONTEXT,
      scannedRoots: () => fixture.index.roots(),
      audit: openAuditLog(fixture.index.database, auditLogPath(fixture.dataDir)),
      now: () => new Date((clock += 1000)),
    });
  });
  afterAll(() => fixture?.close());

  const save: (typeof service)['handlers']['review.save'] = (args) => service.handlers['review.save'](args);
  const labelOf = async (sopInstanceUid: string) => (await listLabels(fixture.dataDir)).find((label) => label.sopInstanceUid === sopInstanceUid);

  it("confirming keeps the model's mask as the label, records the review and audits it", async () => {
    const image = fixture.images[0];
    const result = await save({ instanceId: image.instanceId, decision: 'confirmed' });
    expect(result).toMatchObject({ instanceId: image.instanceId, state: 'reviewed', review: { decision: 'confirmed', reviewer: 'Dr Ada' } });

    const label = (await labelOf(image.sopInstanceUid))!;
    expect(label).toMatchObject({ reviewer: 'Dr Ada', decision: 'confirmed', formatVersion: 2, rows: SIZE, columns: SIZE, imagePath: image.path, studyInstanceUid: image.studyInstanceUid });
    expect(label.patientId).toMatch(/^PHANTOM-/);
    expect(labelMask(label).data).toEqual(image.mask.data);
    expect(fixture.store.get(image.instanceId)!.review).toMatchObject({ decision: 'confirmed', maskRle: encodeRle(image.mask) });

    const [entry] = await service.handlers['audit.list']({ sopInstanceUid: image.sopInstanceUid });
    expect(entry).toMatchObject({ who: 'Dr Ada', action: 'confirm', sopInstanceUid: image.sopInstanceUid, studyInstanceUid: image.studyInstanceUid, models: [MODEL_REF] });
    expect(entry.detail).toMatch(/confirmed the model's mask/);
    expect(changed.at(-1)).toEqual({ studyInstanceUids: [image.studyInstanceUid] });
  });

  it("rejecting saves the empty label '-1'", async () => {
    const image = fixture.images[1];
    reviewer = 'Dr Bo';
    const result = await save({ instanceId: image.instanceId, decision: 'rejected' });
    expect(result.review).toMatchObject({ decision: 'rejected', reviewer: 'Dr Bo' });
    expect((await labelOf(image.sopInstanceUid))!.encodedPixels).toBe('-1');
    expect(fixture.store.get(image.instanceId)!.review!.maskRle).toBe('-1');
    expect((await service.handlers['audit.list']({ sopInstanceUid: image.sopInstanceUid }))[0]).toMatchObject({ action: 'reject', who: 'Dr Bo' });
  });

  it('an edited mask is saved as given; a later review replaces the label', async () => {
    const image = fixture.images[2];
    const edited = createMask({ rows: SIZE, columns: SIZE });
    edited.data.fill(1, 10 * SIZE, 12 * SIZE);
    await save({ instanceId: image.instanceId, decision: 'edited', encodedPixels: encodeRle(edited) });
    expect(labelMask((await labelOf(image.sopInstanceUid))!).data).toEqual(edited.data);
    expect(decodeRle(fixture.store.get(image.instanceId)!.review!.maskRle!, { rows: SIZE, columns: SIZE }).data).toEqual(edited.data);

    await save({ instanceId: image.instanceId, decision: 'rejected' });
    expect((await labelOf(image.sopInstanceUid))!.encodedPixels).toBe('-1');
    const history = await service.handlers['audit.list']({ sopInstanceUid: image.sopInstanceUid });
    expect(history.map((entry) => entry.action)).toEqual(['reject', 'edit']);
    expect(Date.parse(history[0].at)).toBeGreaterThan(Date.parse(history[1].at));
  });

  it('refuses a mask that does not fit the image, and saves nothing', async () => {
    const image = fixture.images[3];
    const tooLong = `0 ${SIZE * SIZE + 1}`;
    const error = await save({ instanceId: image.instanceId, decision: 'edited', encodedPixels: tooLong }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(new RegExp(`does not fit this ${SIZE} x ${SIZE} image.*beyond the ${SIZE * SIZE} pixels`)) });
    await expect(save({ instanceId: image.instanceId, decision: 'edited', encodedPixels: '3 x' })).rejects.toThrow(/not a non-negative integer/);
    await expect(save({ instanceId: image.instanceId, decision: 'edited' })).rejects.toThrow(/needs encodedPixels/);
    await expect(save({ instanceId: image.instanceId, decision: 'confirmed', encodedPixels: '-1' })).rejects.toThrow(/belongs to an 'edited' review/);
    expect(await labelOf(image.sopInstanceUid)).toBeUndefined();
    expect(fixture.store.get(image.instanceId)!.review).toBeNull();
    expect(await service.handlers['audit.list']({ sopInstanceUid: image.sopInstanceUid })).toEqual([]);
  });

  it('refuses an image without a verdict', async () => {
    await expect(save({ instanceId: 99_999, decision: 'confirmed' })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('lists the log newest first, by image and with a limit', async () => {
    const all = await service.handlers['audit.list']({});
    expect(all.length).toBe(4);
    expect(all.map((entry) => Date.parse(entry.at))).toEqual([...all.map((entry) => Date.parse(entry.at))].sort((a, b) => b - a));
    expect(await service.handlers['audit.list']({ limit: 2 })).toEqual(all.slice(0, 2));
  });

  it('exports the log as CSV into a chosen folder, audits that, and never writes into a scanned folder', async () => {
    const out = path.join(fixture.dir, 'audit-out');
    const { path: file, entries } = await service.handlers['audit.export']({ folder: out });
    expect(entries).toBe(4);
    expect(path.dirname(file)).toBe(out);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,at,who,action,sopInstanceUid,studyInstanceUid,models,detail');
    expect(lines).toHaveLength(5);
    expect(lines.slice(1).map((line) => line.split(',')[3])).toEqual(['reject', 'edit', 'reject', 'confirm']);
    expect((await service.handlers['audit.list']({ limit: 1 }))[0]).toMatchObject({ action: 'export', sopInstanceUid: null, detail: expect.stringContaining(file) });

    const before = readdirSync(fixture.dicomFolder);
    const inside = path.join(fixture.dicomFolder, 'sub');
    await expect(service.handlers['audit.export']({ folder: fixture.dicomFolder })).rejects.toThrow(/is the scanned folder/);
    await expect(service.handlers['audit.export']({ folder: inside })).rejects.toThrow(/is inside the scanned folder/);
    await expect(service.handlers['audit.export']({ folder: 'relative/folder' })).rejects.toThrow(/absolute path/);
    expect(existsSync(inside)).toBe(false);
    expect(readdirSync(fixture.dicomFolder)).toEqual(before);
  });

  it('refuses a link that leads into a scanned folder', async () => {
    const links = mkdtempSync(path.join(os.tmpdir(), 'pleura-links-'));
    try {
      symlinkSync(fixture.dicomFolder, path.join(links, 'to-dicom'));
      await expect(service.handlers['audit.export']({ folder: path.join(links, 'to-dicom', 'x') })).rejects.toThrow(/inside the scanned folder/);
    } finally {
      rmSync(links, { recursive: true, force: true });
    }
  });
});

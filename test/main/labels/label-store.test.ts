import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMask } from '../../../ml/post';
import { labelFile, labelsDir, listLabels, saveLabel, type NewLabel } from '../../../main/labels/label-store';

describe('the label store', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'pleura-labels-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const label = (sopInstanceUid: string, studyInstanceUid = '1.2.3'): NewLabel => ({
    sopInstanceUid,
    studyInstanceUid,
    patientId: 'P1',
    imagePath: '/data/x.dcm',
    reviewer: 'Dr Ada',
    decision: 'rejected',
    mask: createMask({ rows: 4, columns: 4 }),
    savedAt: new Date('2026-03-01T10:00:00Z'),
  });

  it('names a label by a well-formed UID, and records the review that made it', async () => {
    const record = await saveLabel(dataDir, label('1.2.3.4'));
    expect(readdirSync(labelsDir(dataDir))).toEqual(['1.2.3.4.json']);
    expect(record).toMatchObject({ formatVersion: 2, sopInstanceUid: '1.2.3.4', decision: 'rejected', reviewer: 'Dr Ada', savedAt: '2026-03-01T10:00:00.000Z', encodedPixels: '-1' });
    expect(await listLabels(dataDir)).toEqual([record]);
  });

  it('names the label of an image whose UID is a path by a hash, inside labels/, and keeps the UID in the record', async () => {
    const hostile = '../../PWNED';
    const record = await saveLabel(dataDir, label(hostile, '1.2.3/../x'));
    const [name] = readdirSync(labelsDir(dataDir));
    expect(name).toMatch(/^uid-[0-9a-f]{32}\.json$/);
    expect(labelFile(dataDir, hostile)).toBe(path.join(labelsDir(dataDir), name));
    expect(readdirSync(dataDir)).toEqual(['labels']);
    expect(record).toMatchObject({ sopInstanceUid: hostile, studyInstanceUid: '1.2.3/../x' });
    expect(JSON.parse(readFileSync(labelFile(dataDir, hostile), 'utf8')).sopInstanceUid).toBe(hostile);
  });

  it('records a UID with control characters printable, and one of any length bounded', async () => {
    const record = await saveLabel(dataDir, label('1.2\u001b[31m.3\n'));
    expect(record.sopInstanceUid).toBe('1.2\ufffd[31m.3\ufffd');
    const long = await saveLabel(dataDir, label('9'.repeat(5000)));
    expect(long.sopInstanceUid).toHaveLength(1024);
    expect(await listLabels(dataDir)).toHaveLength(2);
  });

  it('still reads labels written before they recorded the decision', async () => {
    const record = await saveLabel(dataDir, label('1.2.3.5'));
    const { decision: _decision, ...v1 } = { ...record, formatVersion: 1 };
    writeFileSync(labelFile(dataDir, '1.2.3.5'), JSON.stringify(v1));
    expect(await listLabels(dataDir)).toEqual([{ ...v1 }]);
  });
});

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import dcmjs from 'dcmjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMask, decodeImageRows, encodeRle, parseMaskTable, type Mask } from '../../../ml/post';
import { EventHub } from '../../../main/api/events';
import type { ExportResult } from '../../../main/api/contract';
import { AI_RESULT_LABEL } from '../../../main/exports/ai-label';
import { exportForbiddenFolders } from '../../../main/exports/export-folder';
import { createExportService, REPORT_HTML, SUBMISSION_CSV } from '../../../main/exports/service';
import { auditLogPath, openAuditLog, type AuditLog } from '../../../main/review/audit-log';
import { createReviewService } from '../../../main/review/service';
import { decodeFile, readInstanceInfo } from '../../../main/studies/dicom';
import { DEFAULT_INTENDED_USE, notAssessedReason } from '../../../main/triage/intended-use';
import { CONTEXT, MODEL_REF, writeTriagedStudies, type TriagedStudies } from '../../fixtures/triaged-studies';

const SIZE = 256;
const dciodvfy = spawnSync('dciodvfy', ['-version'], { encoding: 'utf8' }).error ? null : 'dciodvfy';

function readDicom(file: string) {
  const bytes = readFileSync(file);
  const message = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.dict);
}

describe('exports.run', () => {
  let fixture: TriagedStudies;
  let service: ReturnType<typeof createExportService>;
  let result: ExportResult;
  let edited: Mask;
  let audit: AuditLog;

  beforeAll(async () => {
    // Images 0-2 flagged, 3-4 not; image 1 is reviewed with an edited mask, image 4's "not flagged" rejected (no pneumothorax).
    fixture = await writeTriagedStudies({ count: 5, positives: 3, size: SIZE });
    audit = openAuditLog(fixture.index.database, auditLogPath(fixture.dataDir));
    const common = { reviewer: () => 'Dr Ada', triageContext: () => CONTEXT, scannedRoots: () => fixture.index.roots() };
    const review = createReviewService({ ...common, db: fixture.index.database, store: fixture.store, dataDir: fixture.dataDir, events: new EventHub(), audit });
    edited = createMask({ rows: SIZE, columns: SIZE });
    for (let r = 150; r < 200; r++) edited.data.fill(1, r * SIZE + 160, r * SIZE + 220);
    await review.handlers['review.save']({ instanceId: fixture.images[1].instanceId, decision: 'edited', encodedPixels: encodeRle(edited) });
    await review.handlers['review.save']({ instanceId: fixture.images[4].instanceId, decision: 'rejected' });
    service = createExportService({
      ...common,
      store: fixture.store,
      audit,
      worklist: (triage) => fixture.index.worklist(triage),
      forbiddenFolders: () => exportForbiddenFolders(fixture.index.database, fixture.index.roots(), fixture.dataDir),
      decode: decodeFile,
      softwareVersion: '9.9.9-test',
    });
    result = await service.handlers['exports.run']({ folder: path.join(fixture.dir, 'out'), kinds: ['seg', 'secondary-capture', 'submission-csv', 'report'] });
  }, 60_000);
  afterAll(() => fixture?.close());

  const shown = (k: number) => (k === 1 ? edited : k === 4 ? createMask({ rows: SIZE, columns: SIZE }) : fixture.images[k].mask);
  const filesOf = (kind: string) => result.files.filter((file) => file.kind === kind);

  it('writes a SEG and a Secondary Capture per flagged or reviewed image, one CSV and one report', () => {
    expect(result.errors).toEqual([]);
    const exported = [0, 1, 2, 4].map((k) => fixture.images[k].sopInstanceUid).sort();
    expect(filesOf('seg').map((f) => f.sopInstanceUid).sort()).toEqual(exported);
    expect(filesOf('secondary-capture').map((f) => f.sopInstanceUid).sort()).toEqual(exported);
    expect(filesOf('submission-csv').map((f) => path.basename(f.path))).toEqual([SUBMISSION_CSV]);
    expect(filesOf('report').map((f) => path.basename(f.path))).toEqual([REPORT_HTML]);
    for (const file of result.files) expect(file.path.startsWith(result.folder + path.sep)).toBe(true);
  });

  it("each SEG references its source image, shares its study and patient, and holds the shown mask", () => {
    for (const file of filesOf('seg')) {
      const k = fixture.images.findIndex((image) => image.sopInstanceUid === file.sopInstanceUid);
      const seg = readDicom(file.path);
      const source = readDicom(fixture.images[k].path);
      expect(seg.SOPClassUID).toBe('1.2.840.10008.5.1.4.1.1.66.4');
      expect(seg.Modality).toBe('SEG');
      expect(seg.StudyInstanceUID).toBe(source.StudyInstanceUID);
      expect(seg.PatientID).toBe(source.PatientID);
      expect(seg.ReferencedSeriesSequence[0].SeriesInstanceUID).toBe(source.SeriesInstanceUID);
      expect(seg.ReferencedSeriesSequence[0].ReferencedInstanceSequence[0].ReferencedSOPInstanceUID).toBe(source.SOPInstanceUID);
      const derivation = seg.PerFrameFunctionalGroupsSequence[0].DerivationImageSequence[0];
      expect(derivation.SourceImageSequence[0].ReferencedSOPInstanceUID).toBe(source.SOPInstanceUID);
      expect(derivation.SourceImageSequence[0].ReferencedSOPClassUID).toBe(source.SOPClassUID);
      const [segment] = seg.SegmentSequence;
      const manual = k === 1 || k === 4;
      expect(segment).toMatchObject({ SegmentNumber: 1, SegmentLabel: 'Pneumothorax', SegmentAlgorithmType: manual ? 'MANUAL' : 'AUTOMATIC' });
      expect(segment.SegmentAlgorithmName).toBe(manual ? undefined : 'pleura-test');
      expect(seg.ContentCreatorName).toEqual(manual ? [{ Alphabetic: 'Dr Ada' }] : []);
      expect(segment.SegmentedPropertyTypeCodeSequence[0]).toMatchObject({ CodeValue: '36118008', CodingSchemeDesignator: 'SCT' });
      expect(segment.SegmentedPropertyCategoryCodeSequence[0]).toMatchObject({ CodeValue: '49755003', CodingSchemeDesignator: 'SCT' });
      expect(segment.SegmentationAlgorithmIdentificationSequence[0]).toMatchObject({ AlgorithmName: 'pleura-test', AlgorithmVersion: '1.2.3' });
      expect([seg.Rows, seg.Columns]).toEqual([SIZE, SIZE]);
      // dcmjs unpacks a set bit as 255
      const bits = Array.from(dcmjs.data.BitArray.unpack(seg.PixelData[0]).subarray(0, SIZE * SIZE), (v) => (v ? 1 : 0));
      expect(bits).toEqual(Array.from(shown(k).data));
    }
  });

  it.skipIf(!dciodvfy)('SEG and Secondary Capture files pass dciodvfy without errors (skipped when dicom3tools is not installed: apt-get install dicom3tools)', () => {
    for (const file of [...filesOf('seg'), ...filesOf('secondary-capture')]) {
      const run = spawnSync(dciodvfy!, [file.path], { encoding: 'utf8' });
      const errors = `${run.stdout}${run.stderr}`.split('\n').filter((line) => /^Error/.test(line));
      expect(errors, `${file.path}`).toEqual([]);
    }
  });

  it('each Secondary Capture shows the label in its pixels and says what it is in its header', async () => {
    for (const file of filesOf('secondary-capture')) {
      const k = fixture.images.findIndex((image) => image.sopInstanceUid === file.sopInstanceUid);
      const header = readDicom(file.path);
      expect(header.BurnedInAnnotation).toBe('YES');
      expect(header.ImageType).toEqual(['DERIVED', 'SECONDARY']);
      expect(header.DerivationDescription).toMatch(/AI RESULT - NOT FOR DIAGNOSIS/);
      expect(header.SourceImageSequence[0].ReferencedSOPInstanceUID).toBe(fixture.images[k].sopInstanceUid);
      expect(header.StudyInstanceUID).toBe(fixture.images[k].studyInstanceUid);

      const image = await decodeFile(file.path);
      expect([image.rows, image.columns, image.info.photometricInterpretation]).toEqual([SIZE, SIZE, 'RGB']);
      // The label band: white glyph pixels on black across the top rows; the radiograph below it.
      const band = image.pixels.subarray(0, 12 * SIZE);
      const white = band.filter((v) => v > 250).length;
      const black = band.filter((v) => v < 5).length;
      expect(white).toBeGreaterThan(AI_RESULT_LABEL.replaceAll(' ', '').length * 5);
      expect(white + black).toBe(band.length);
      const below = image.pixels.subarray(SIZE * (SIZE - 40), SIZE * (SIZE - 20));
      expect(below.filter((v) => v > 20 && v < 235).length).toBeGreaterThan(below.length / 4);
    }
  });

  it('the submission CSV holds every triaged image with the reviewed mask where there is one', () => {
    const table = parseMaskTable(readFileSync(filesOf('submission-csv')[0].path, 'utf8'));
    expect([...table.keys()].sort()).toEqual(fixture.images.map((image) => image.sopInstanceUid).sort());
    fixture.images.forEach((image, k) => {
      expect(Array.from(decodeImageRows(table.get(image.sopInstanceUid)!, { rows: SIZE, columns: SIZE }).data)).toEqual(Array.from(shown(k).data));
    });
  });

  it('the report lists the studies in priority order with flags in words, thumbnails and print styles', () => {
    const html = readFileSync(filesOf('report')[0].path, 'utf8');
    expect(html.match(/<img class="thumb" src="data:image\/png;base64,/g)).toHaveLength(5);
    expect(html).toContain('@media print');
    expect(html).toContain('<span class="flag flag-positive">Suspected pneumothorax</span>');
    expect(html).toContain('<span class="flag flag-not-flagged">Not flagged — peak 0.10 below 0.75</span>');
    expect(html).toContain('<span class="flag flag-not-flagged">Reviewed: no pneumothorax — Dr Ada</span>');
    expect(html).not.toMatch(/negative|No finding|No pneumothorax found/);
    expect(html).toContain('Mask edited by Dr Ada');
    expect(html).toContain('Rejected by Dr Ada');
    expect(html).toContain('not for diagnosis');
    // The edit's own figures: 50 x 60 pixels of 0.5 mm², not the model's mask.
    const edit = html.slice(html.indexOf(fixture.images[1].studyInstanceUid));
    expect(edit).toMatch(/<span class="flag flag-positive">Reviewed: pneumothorax — Dr Ada<\/span><\/td>\n<td class="num">0\.\d{3}<\/td>\n<td class="num">15\.00<\/td>/);
    // Positives by score (image 0 scores highest; the edit lies where the model saw little), then the rest.
    const order = fixture.images.map((image) => html.indexOf(image.studyInstanceUid));
    expect(order.every((at) => at > 0)).toBe(true);
    expect(order[0]).toBeLessThan(order[2]);
    expect(order[2]).toBeLessThan(order[1]);
    expect(Math.max(order[0], order[1], order[2])).toBeLessThan(Math.min(order[3], order[4]));
  });

  it('writes files that Pleura never triages again: its SEG and its Secondary Capture are derived images', async () => {
    const [seg] = filesOf('seg');
    const [sc] = filesOf('secondary-capture');
    expect(notAssessedReason(await readInstanceInfo(seg.path), DEFAULT_INTENDED_USE)).toBe('derived image: DICOM SEG');
    expect(notAssessedReason(await readInstanceInfo(sc.path), DEFAULT_INTENDED_USE)).toBe('derived image: made by Pleura');
  });

  it('audits the export, per image and for the run', () => {
    const entries = audit.list().filter((entry) => entry.action === 'export');
    expect(entries).toHaveLength(5);
    expect(entries.find((entry) => entry.sopInstanceUid === null)).toMatchObject({ who: 'Dr Ada', models: [MODEL_REF], detail: expect.stringContaining(result.folder) });
  });

  it('never writes into a scanned folder or a source folder', async () => {
    const before = readdirSync(fixture.dicomFolder);
    for (const folder of [fixture.dicomFolder, path.join(fixture.dicomFolder, 'exports')]) {
      await expect(service.handlers['exports.run']({ folder, kinds: ['report'] })).rejects.toThrow(/scanned folder/);
    }
    expect(readdirSync(fixture.dicomFolder)).toEqual(before);
  });

  it('an image that cannot be read is listed with why, and the rest are still exported', async () => {
    rmSync(fixture.images[2].path);
    const again = await service.handlers['exports.run']({ folder: path.join(fixture.dir, 'out-2'), kinds: ['seg', 'secondary-capture', 'submission-csv'] });
    expect(again.errors).toEqual([{ sopInstanceUid: fixture.images[2].sopInstanceUid, message: expect.stringMatching(/0003\.dcm/) }]);
    expect(again.files.filter((file) => file.kind === 'seg')).toHaveLength(3);
    expect(again.files.filter((file) => file.kind === 'secondary-capture')).toHaveLength(3);
    expect(again.files.filter((file) => file.kind === 'submission-csv')).toHaveLength(1);
  });
});


import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import dcmjs from 'dcmjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMask, encodeRle, maskArea, type Mask } from '../../../ml/post';
import { AI_RESULT_LABEL } from '../../../main/exports/ai-label';
import { buildResultObjects, resultUids, resultVersion, type ResultObject } from '../../../main/exports/result-objects';
import { readSourceHeader } from '../../../main/exports/source-header';
import { buildStructuredReport, COMPREHENSIVE_SR_STORAGE, DEMONSTRATION_STATEMENT, describeRule, personName, VERIFYING_ORGANIZATION } from '../../../main/exports/structured-report';
import { decodeFile, readInstanceInfo } from '../../../main/studies/dicom';
import { hasDciodvfy } from '../../fixtures/dciodvfy';
import { CONFIG, CONTEXT, MODEL_REF, writeTriagedStudies, type TriagedStudies } from '../../fixtures/triaged-studies';

const SIZE = 128;
const dsrdump = !spawnSync('dsrdump', ['--version'], { encoding: 'utf8' }).error;
const REVIEWED_AT = '2026-02-03T04:05:06.000Z';
const AT = new Date('2026-02-04T10:00:00Z');

type Dataset = Record<string, any>;

function readDicom(bytes: Uint8Array): Dataset {
  const message = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  return dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.dict);
}

/** Every content item under `node` (depth first) whose concept name is `codeValue`. */
function itemsNamed(node: Dataset, codeValue: string): Dataset[] {
  return (node.ContentSequence ?? []).flatMap((item: Dataset) => [...(item.ConceptNameCodeSequence?.[0]?.CodeValue === codeValue ? [item] : []), ...itemsNamed(item, codeValue)]);
}
const only = (node: Dataset, codeValue: string) => {
  const found = itemsNamed(node, codeValue);
  expect(found, `one item named ${codeValue}`).toHaveLength(1);
  return found[0];
};
/** dcmjs decodes the strings inside sequences as Latin-1 whatever the Specific Character Set: undo that for UTF-8. */
const utf8 = (text: string) => Buffer.from(text, 'latin1').toString('utf8');
const valueCode = (item: Dataset) => item.ConceptCodeSequence[0].CodeValue;
const numeric = (item: Dataset) => Number(item.MeasuredValueSequence[0].NumericValue);
const unit = (item: Dataset) => item.MeasuredValueSequence[0].MeasurementUnitsCodeSequence[0].CodeValue;
const containerNamed = (sr: Dataset, codeValue: string) => sr.ContentSequence.find((item: Dataset) => item.ConceptNameCodeSequence[0].CodeValue === codeValue);

describe('the Structured Report of an image triage', () => {
  let fixture: TriagedStudies;
  let dir: string;
  let edited: Mask;
  // 0 flagged; 1 flagged, its mask edited by Dr Ada after a first push; 2 flagged, rejected by Dr Ada; 3 not flagged.
  const reports: ResultObject[] = [];
  let firstPushOfEdited: ResultObject;

  const reportOf = async (k: number, predecessor?: ResultObject) => {
    const { studyInstanceUid } = fixture.images[k];
    const [image] = fixture.store.imagesOfStudy(studyInstanceUid, CONTEXT);
    const [triaged] = fixture.store.listTriaged({ studyInstanceUids: [studyInstanceUid] });
    const [report] = await buildResultObjects({
      image,
      triaged,
      kinds: new Set(['structured-report']),
      decode: decodeFile,
      softwareVersion: '9.9.9-test',
      at: AT,
      identity: { version: resultVersion(triaged) },
      predecessor: predecessor ? [predecessor] : undefined,
    });
    return report;
  };

  beforeAll(async () => {
    fixture = await writeTriagedStudies({ count: 4, positives: 3, size: SIZE });
    dir = mkdtempSync(path.join(os.tmpdir(), 'pleura-sr-'));
    firstPushOfEdited = await reportOf(1);
    edited = createMask({ rows: SIZE, columns: SIZE });
    for (let r = 20; r < 40; r++) edited.data.fill(1, r * SIZE + 90, r * SIZE + 120);
    fixture.store.setReview(fixture.images[1].instanceId, { decision: 'edited', reviewer: 'Dr Ada', at: REVIEWED_AT, maskRle: encodeRle(edited) });
    fixture.store.setReview(fixture.images[2].instanceId, { decision: 'rejected', reviewer: 'Dr Ada', at: REVIEWED_AT, maskRle: encodeRle(createMask({ rows: SIZE, columns: SIZE })) });
    for (let k = 0; k < 4; k++) reports.push(await reportOf(k, k === 1 ? firstPushOfEdited : undefined));
  }, 60_000);
  afterAll(() => {
    fixture?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const sr = (k: number) => readDicom(reports[k].bytes);

  it.skipIf(!hasDciodvfy)('passes dciodvfy without errors, flagged, not flagged and reviewed (skipped without dicom3tools: apt-get install dicom3tools)', () => {
    for (const [k, report] of reports.entries()) {
      const file = path.join(dir, `${k}.sr.dcm`);
      writeFileSync(file, report.bytes);
      const run = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
      const lines = `${run.stdout}${run.stderr}`.split('\n');
      expect(lines.filter((line) => /^Error/.test(line)), `image ${k}`).toEqual([]);
      const unexplained = lines.filter(
        (line) =>
          /^Warning/.test(line) &&
          // The phantoms have no Study ID; the report copies the source's General Study module as it is (type 2, empty).
          !/needed to build DICOMDIR - Study ID$/.test(line) &&
          // Pleura's private coding scheme (a "99" designator) is declared in Coding Scheme Identification, which dciodvfy does not read.
          !/Unrecognized defined term <99PLEURA> for value 1 of attribute <Coding Scheme Designator>/.test(line),
      );
      expect(unexplained, `image ${k}`).toEqual([]);
    }
  });

  // dciodvfy checks the modules but not the content tree; dcmtk checks the Comprehensive SR relationship constraints.
  it.skipIf(!dsrdump)("keeps the Comprehensive SR IOD's relationship constraints, as dcmtk's dsrdump reads them (skipped without dcmtk)", () => {
    for (const [k, report] of reports.entries()) {
      const file = path.join(dir, `${k}.tree.dcm`);
      writeFileSync(file, report.bytes);
      const run = spawnSync('dsrdump', [file], { encoding: 'utf8' });
      expect(run.status, `${run.stderr}`).toBe(0);
      expect(run.stderr.split('\n').filter((line) => /^[EF]:/.test(line)), `image ${k}`).toEqual([]);
      expect(run.stdout).toContain('Comprehensive SR Document');
    }
  });

  it("joins the source's study as its own series from Pleura and references the source image", () => {
    for (const [k, report] of reports.entries()) {
      const source = readDicom(readFileSync(fixture.images[k].path));
      const doc = sr(k);
      expect(doc).toMatchObject({ SOPClassUID: COMPREHENSIVE_SR_STORAGE, Modality: 'SR', Manufacturer: 'Pleura', CompletionFlag: 'COMPLETE' });
      expect(doc.SOPInstanceUID).toBe(report.sopInstanceUid);
      expect(doc.SeriesInstanceUID).toBe(report.seriesInstanceUid);
      expect(doc.SeriesInstanceUID).not.toBe(source.SeriesInstanceUID);
      expect([doc.StudyInstanceUID, report.studyInstanceUid]).toEqual([source.StudyInstanceUID, source.StudyInstanceUID]);
      expect([doc.PatientID, doc.PatientName]).toEqual([source.PatientID, source.PatientName]);
      const [evidence] = doc.CurrentRequestedProcedureEvidenceSequence;
      expect(evidence.StudyInstanceUID).toBe(source.StudyInstanceUID);
      expect(evidence.ReferencedSeriesSequence[0].SeriesInstanceUID).toBe(source.SeriesInstanceUID);
      expect(evidence.ReferencedSeriesSequence[0].ReferencedSOPSequence[0]).toMatchObject({ ReferencedSOPClassUID: source.SOPClassUID, ReferencedSOPInstanceUID: source.SOPInstanceUID });
      for (const image of itemsNamed(doc, '121112')) {
        expect(image.ValueType).toBe('IMAGE');
        expect(image.ReferencedSOPSequence[0].ReferencedSOPInstanceUID).toBe(source.SOPInstanceUID);
      }
      expect(doc.ConceptNameCodeSequence[0]).toMatchObject({ CodeValue: '112000', CodingSchemeDesignator: 'DCM' });
      expect(doc.ContentSequence[0].TextValue).toContain(AI_RESULT_LABEL);
      expect(doc.ContentSequence[0].TextValue).toContain('does not exclude a pneumothorax');
    }
  });

  it("says what the model flagged: suspected pneumothorax, its score, peak, area and side, the models, the rule and the version", () => {
    const model = containerNamed(sr(0), 'AI-RESULT');
    expect(valueCode(only(model, 'FLAG'))).toBe('FLAGGED');
    expect(only(model, 'FLAG').ContentSequence[0].TextValue).toBe('Suspected pneumothorax');
    const finding = only(model, '121071');
    expect(finding.ConceptCodeSequence[0]).toMatchObject({ CodeValue: '36118008', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Pneumothorax' });
    expect(valueCode(only(finding, '121052'))).toBe('415684004');
    // The fixture's image 0: score and peak 0.9, a mask of 32 x 26 pixels at 0.5 mm² each, on the right.
    const score = only(finding, 'SCORE');
    expect([numeric(score), unit(score)]).toEqual([0.9, '{ratio}']);
    expect(numeric(only(model, 'PEAK'))).toBe(0.9);
    const area = only(finding, '42798000');
    expect(maskArea(fixture.images[0].mask)).toBe(32 * 26);
    expect([numeric(area), unit(area)]).toEqual([(32 * 26 * 0.5) / 100, 'cm2']);
    expect(valueCode(only(finding, '272741003'))).toBe('24028007');
    expect(only(model, '121005').ConceptCodeSequence[0].CodeValue).toBe('121007');
    const detection = only(model, '111022');
    expect(valueCode(detection)).toBe('36118008');
    expect(itemsNamed(detection, 'MODEL').map((item) => item.TextValue)).toEqual([MODEL_REF]);
    expect(only(detection, '111001').TextValue).toBe('pleura-test');
    expect(only(detection, '111003').TextValue).toBe('1.2.3');
    expect(only(detection, 'RULE').TextValue).toBe('triple-threshold: top 0.75, minArea 0, bottom 0.4, minRegionArea none');
    expect(only(detection, 'SOFTWARE').TextValue).toBe('9.9.9-test');
    expect(sr(0).SoftwareVersions).toBe('9.9.9-test');
    expect(sr(0).VerificationFlag).toBe('UNVERIFIED');
    expect(sr(0).VerifyingObserverSequence).toBeUndefined();
    expect(sr(0).PredecessorDocumentsSequence).toBeUndefined();
  });

  it('says "not flagged" for an image the model did not flag, never absent or negative, with its peak', () => {
    const doc = sr(3);
    const model = containerNamed(doc, 'AI-RESULT');
    expect(valueCode(only(model, 'FLAG'))).toBe('NOT-FLAGGED');
    expect(only(model, 'FLAG').ConceptCodeSequence[0].CodeMeaning).toBe('Not flagged (does not exclude pneumothorax)');
    // The triage decision's words, em dash and all (the report is UTF-8).
    expect(doc.SpecificCharacterSet).toBe('ISO_IR 192');
    expect(utf8(only(model, 'FLAG').ContentSequence[0].TextValue)).toBe('Not flagged — peak 0.10 below 0.75');
    expect(numeric(only(model, 'PEAK'))).toBe(0.1);
    expect(itemsNamed(doc, '121071')).toEqual([]);
    expect(itemsNamed(doc, 'SCORE')).toEqual([]);
    expect(itemsNamed(doc, '42798000')).toEqual([]);
    const text = JSON.stringify(doc);
    expect(text).not.toMatch(/negative|no pneumothorax|"272519000"|Absent/i);
    expect(doc.VerificationFlag).toBe('UNVERIFIED');
  });

  it('a reviewed result is verified by its reviewer, keeps the model verdict apart, and names the report it replaces', () => {
    const doc = sr(1);
    expect(doc.VerificationFlag).toBe('VERIFIED');
    const [verifier] = doc.VerifyingObserverSequence;
    expect(verifier.VerifyingObserverName).toEqual([{ Alphabetic: 'Dr Ada^' }]);
    expect(verifier.VerificationDateTime).toBe(localDateTime(new Date(REVIEWED_AT)));
    expect(verifier.VerifyingOrganization).toBe(VERIFYING_ORGANIZATION);
    const review = containerNamed(doc, 'REVIEW');
    expect(review.ObservationDateTime).toBe(localDateTime(new Date(REVIEWED_AT)));
    expect(valueCode(only(review, '121005'))).toBe('121006');
    expect(only(review, '121008').PersonName).toEqual([{ Alphabetic: 'Dr Ada^' }]);
    expect(valueCode(only(review, 'DECISION'))).toBe('EDITED');
    expect(utf8(only(review, 'DECISION').ContentSequence[0].TextValue)).toBe('Reviewed: pneumothorax — Dr Ada');
    const finding = only(review, '121071');
    expect(valueCode(only(finding, '121052'))).toBe('52101004');
    // The edit: 20 x 30 pixels of 0.5 mm².
    expect(numeric(only(finding, '42798000'))).toBe((20 * 30 * 0.5) / 100);
    // The model's own verdict is still the model's: suspected, with its own mask's figures.
    const model = containerNamed(doc, 'AI-RESULT');
    expect(valueCode(only(only(model, '121071'), '121052'))).toBe('415684004');
    expect(numeric(only(only(model, '121071'), '42798000'))).toBe((maskArea(fixture.images[1].mask) * 0.5) / 100);

    const [predecessor] = doc.PredecessorDocumentsSequence;
    expect(predecessor.StudyInstanceUID).toBe(fixture.images[1].studyInstanceUid);
    expect(predecessor.ReferencedSeriesSequence[0].SeriesInstanceUID).toBe(firstPushOfEdited.seriesInstanceUid);
    expect(predecessor.ReferencedSeriesSequence[0].ReferencedSOPSequence[0]).toMatchObject({ ReferencedSOPClassUID: COMPREHENSIVE_SR_STORAGE, ReferencedSOPInstanceUID: firstPushOfEdited.sopInstanceUid });
    // A new version: new UIDs, and the old ones are those its version derives.
    expect(reports[1].sopInstanceUid).not.toBe(firstPushOfEdited.sopInstanceUid);
    expect(resultUids(fixture.images[1].sopInstanceUid, 'x', 'structured-report')).not.toEqual(resultUids(fixture.images[1].sopInstanceUid, 'y', 'structured-report'));
  });

  it("a rejection says what the reviewer decided, attributed to them, and leaves the model's suspicion as it was", () => {
    const doc = sr(2);
    expect(doc.VerificationFlag).toBe('VERIFIED');
    const review = containerNamed(doc, 'REVIEW');
    expect(valueCode(only(review, 'DECISION'))).toBe('REJECTED');
    expect(utf8(only(review, 'DECISION').ContentSequence[0].TextValue)).toBe('Reviewed: no pneumothorax — Dr Ada');
    const finding = only(review, '121071');
    expect(valueCode(only(finding, '121052'))).toBe('272519000');
    expect(itemsNamed(finding, '42798000')).toEqual([]);
    expect(valueCode(only(containerNamed(doc, 'AI-RESULT'), 'FLAG'))).toBe('FLAGGED');
  });

  it('is a file Pleura never triages: not an image', async () => {
    const file = path.join(dir, 'derived.sr.dcm');
    writeFileSync(file, reports[0].bytes);
    await expect(readInstanceInfo(file)).rejects.toMatchObject({ code: 'no-pixel-data', message: expect.stringContaining(COMPREHENSIVE_SR_STORAGE) });
  });

  it('says so when a demonstration model made the verdict, and takes the UIDs it is given', async () => {
    const options = {
      source: await readSourceHeader(fixture.images[0].path),
      verdict: { flag: 'not-flagged' as const, words: 'Not flagged', score: null, peakProbability: null, areaCm2: null, side: null },
      models: [MODEL_REF],
      rule: null,
      review: null,
      predecessor: null,
      softwareVersion: '9.9.9-test',
      uids: { sopInstanceUid: '1.2.3.4', seriesInstanceUid: '1.2.3.5' },
    };
    const texts = (doc: Dataset) => doc.ContentSequence.map((item: Dataset) => item.TextValue);
    const demonstration = readDicom(buildStructuredReport({ ...options, demonstrationModel: true }).bytes);
    expect(texts(demonstration)).toContain(DEMONSTRATION_STATEMENT);
    expect([demonstration.SOPInstanceUID, demonstration.SeriesInstanceUID]).toEqual(['1.2.3.4', '1.2.3.5']);
    expect(texts(readDicom(buildStructuredReport({ ...options, demonstrationModel: false }).bytes))).not.toContain(DEMONSTRATION_STATEMENT);
    expect(itemsNamed(demonstration, 'PEAK')).toEqual([]);
    expect(itemsNamed(demonstration, 'RULE')).toEqual([]);
  });

  it("writes a reviewer's line as a person name", () => {
    expect(personName('Dr Ada')).toBe('Dr Ada^');
    expect(personName('Lovelace^Ada')).toBe('Lovelace^Ada');
    expect(personName(' A\\B=C ')).toBe('A B C^');
    expect(personName('x'.repeat(100))).toBe(`${'x'.repeat(63)}^`);
  });

  it('describes every kind of rule in words', () => {
    expect(describeRule(CONFIG.rule)).toBe('triple-threshold: top 0.75, minArea 0, bottom 0.4, minRegionArea none');
    expect(describeRule({ kind: 'seeded-threshold', seedThreshold: 0.5, maskThreshold: 0.2, maxEmptyArea: 64 })).toBe('seeded-threshold: seedThreshold 0.5, maskThreshold 0.2, maxEmptyArea 64');
  });
});

/** DICOM DT in local time, as the report writes it. */
function localDateTime(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())}${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}`;
}

// The pure parts of the DICOMweb client: QIDO parameters, the DICOM JSON readers, the STOW answer.
import { describe, expect, it } from 'vitest';
import { firstNumber, instanceMatch, isUid, personName, sequence, strings, studyMatch } from '../../../main/pacs/dicomweb/dicom-json';
import { hasModality, instanceSearch, matchingText, patientCriteria, queryString, studySearches } from '../../../main/pacs/dicomweb/qido';
import { failureReasonText, sopInstanceUidOf, stowOutcome } from '../../../main/pacs/dicomweb/stow';
import { PacsError } from '../../../main/pacs/pacs-error';
import type { StudyMatch } from '../../../main/pacs/peers';
import { syntheticDicom } from '../../fixtures/synthetic-dicom';

const STUDY_FIELDS: [string, string][] = [
  ['includefield', '00081030'],
  ['includefield', '00080061'],
  ['includefield', '00201208'],
];

describe('QIDO parameters', () => {
  it('writes free text with wildcards where percent-encoding would be needed', () => {
    expect(matchingText('Doe^John')).toBe('Doe^John');
    expect(matchingText('Van Damme')).toBe('Van?Damme');
    expect(matchingText('Müller Jörg')).toBe('M*ller?J*rg');
    expect(matchingText('Ünsal')).toBe('*nsal');
    expect(matchingText('a&b=c#d%e+f')).toBe('a?b?c?d?e?f');
    expect(matchingText('ID/7.x_y-z~*?')).toBe('ID/7.x_y-z~*?');
    expect(matchingText('日本')).toBe('*');
  });

  it('refuses to put an unsafe value in a query string', () => {
    expect(queryString([['PatientName', 'Doe^J*'], ['limit', '5']])).toBe('PatientName=Doe^J*&limit=5');
    expect(() => queryString([['PatientName', 'a&b']])).toThrow(RangeError);
    expect(() => queryString([['PatientName', 'a b']])).toThrow(RangeError);
  });

  it('searches a patient by name prefix, and by ID too when the text has a digit', () => {
    expect(patientCriteria(undefined)).toEqual([[]]);
    expect(patientCriteria('  ')).toEqual([[]]);
    expect(patientCriteria('doe')).toEqual([[['PatientName', 'doe*']]]);
    expect(patientCriteria('Do?^J*')).toEqual([[['PatientName', 'Do?^J*']]]);
    expect(patientCriteria(' P 001 ')).toEqual([[['PatientName', 'P?001*']], [['PatientID', 'P?001']]]);
  });

  it('builds study searches with the date range and the fields a StudyMatch needs, never the modalities', () => {
    expect(studySearches({})).toEqual([STUDY_FIELDS]);
    expect(studySearches({ from: '20240101', to: '20240131', modalities: ['CR', 'DX'] })).toEqual([[['StudyDate', '20240101-20240131'], ...STUDY_FIELDS]]);
    expect(studySearches({ from: '20240101' })).toEqual([[['StudyDate', '20240101-'], ...STUDY_FIELDS]]);
    expect(studySearches({ to: '20240131' })).toEqual([[['StudyDate', '-20240131'], ...STUDY_FIELDS]]);
    expect(studySearches({ from: '20240101', to: '20240101' })).toEqual([[['StudyDate', '20240101'], ...STUDY_FIELDS]]);
    expect(studySearches({ patient: 'X1', from: '20240101' })).toEqual([
      [['PatientName', 'X1*'], ['StudyDate', '20240101-'], ...STUDY_FIELDS],
      [['PatientID', 'X1'], ['StudyDate', '20240101-'], ...STUDY_FIELDS],
    ]);
  });

  it('refuses malformed dates and modality codes', () => {
    expect(() => studySearches({ from: '2024-01-01' })).toThrow(/YYYYMMDD/);
    expect(() => studySearches({ to: '2024010' })).toThrow(/YYYYMMDD/);
    expect(() => studySearches({ modalities: ['CR&x=1'] })).toThrow(/modality code/);
    expect(() => instanceSearch({ modality: 'cr' })).toThrow(/modality code/);
    expect(() => instanceSearch({ sopInstanceUid: '1.2.3&x' })).toThrow(/not a DICOM UID/);
  });

  it('matches modalities on the study, keeping studies whose modalities the peer did not give', () => {
    const study = (modalities: string[]) => ({ modalities }) as StudyMatch;
    expect(hasModality(study(['CT', 'DX']), ['CR', 'DX'])).toBe(true);
    expect(hasModality(study(['CT']), ['CR', 'DX'])).toBe(false);
    expect(hasModality(study([]), ['CR'])).toBe(true);
    expect(hasModality(study(['CT']), undefined)).toBe(true);
    expect(hasModality(study(['CT']), [])).toBe(true);
  });

  it('builds instance searches', () => {
    expect(instanceSearch({ seriesInstanceUid: '1.2', sopInstanceUid: '1.2.3', modality: 'CR' })).toEqual([
      ['SeriesInstanceUID', '1.2'],
      ['SOPInstanceUID', '1.2.3'],
      ['Modality', 'CR'],
      ['includefield', '00080016'],
      ['includefield', '00080060'],
      ['includefield', '00080070'],
    ]);
  });
});

describe('DICOM JSON readers', () => {
  it('accepts only UIDs that are safe in a URL and a file name', () => {
    expect(isUid('1.2.840.10008.1.2.1')).toBe(true);
    expect(isUid('2.25.0')).toBe(true);
    for (const bad of ['1', '1.02', '1..2', '1.2.', '.1.2', '1.2/3', '../1.2', `1.${'2'.repeat(63)}`, 12, null, '']) expect(isUid(bad)).toBe(false);
  });

  it('reads values of the right type only', () => {
    const object = {
      a: { vr: 'CS', Value: ['X', 3, 'Y'] },
      b: { vr: 'IS', Value: ['42'] },
      c: { vr: 'US', Value: [7] },
      d: { vr: 'IS', Value: ['4x'] },
      e: { vr: 'PN', Value: [{ Alphabetic: 'Doe^J' }] },
      f: { vr: 'PN', Value: [{ Ideographic: '山田' }] },
      g: { vr: 'SQ', Value: [{}, 'x', null, { h: 1 }] },
      i: 'not an attribute',
      j: { vr: 'CS', Value: 'not a list' },
    };
    expect(strings(object, 'a')).toEqual(['X', 'Y']);
    expect(firstNumber(object, 'b')).toBe(42);
    expect(firstNumber(object, 'c')).toBe(7);
    expect(firstNumber(object, 'd')).toBeNull();
    expect(firstNumber(object, 'missing')).toBeNull();
    expect(personName(object, 'e')).toBe('Doe^J');
    expect(personName(object, 'f')).toBeNull();
    expect(sequence(object, 'g')).toEqual([{}, { h: 1 }]);
    expect(strings(object, 'i')).toEqual([]);
    expect(strings(object, 'j')).toEqual([]);
  });

  it('makes a study or instance match only from valid UIDs', () => {
    const uid = (value: unknown) => ({ vr: 'UI', Value: [value] });
    expect(studyMatch({ '0020000D': uid('1.2.3'), '00080020': { vr: 'DA', Value: ['20240101'] } })).toMatchObject({ studyInstanceUid: '1.2.3', studyDate: '20240101', modalities: [], instanceCount: null });
    expect(studyMatch({ '0020000D': uid('1.2.3 ') })).toBeNull();
    const instance = { '0020000D': uid('1.2'), '0020000E': uid('1.2.3'), '00080018': uid('1.2.3.4'), '00080016': uid('not-a-uid'), '00080060': { vr: 'CS', Value: ['DX'] } };
    expect(instanceMatch(instance)).toEqual({ studyInstanceUid: '1.2', seriesInstanceUid: '1.2.3', sopInstanceUid: '1.2.3.4', sopClassUid: null, modality: 'DX', manufacturer: null });
    expect(instanceMatch({ ...instance, '0020000E': uid(null) })).toBeNull();
  });
});

describe('STOW-RS answers', () => {
  const referenced = (...uids: string[]) => ({ vr: 'SQ', Value: uids.map((u) => ({ '00081155': { vr: 'UI', Value: [u] } })) });

  it('sorts what was sent into stored and failed, with reasons in words', () => {
    const answer = {
      '00081199': referenced('1.1', '1.9'),
      '00081198': { vr: 'SQ', Value: [{ '00081155': { vr: 'UI', Value: ['1.2'] }, '00081197': { vr: 'US', Value: [0x0122] } }, { '00081155': { vr: 'UI', Value: ['1.3'] } }] },
    };
    expect(stowOutcome(['1.1', '1.2', '1.3', '1.4'], answer)).toEqual({
      stored: ['1.1'],
      failed: [
        { sopInstanceUid: '1.2', reason: 'SOP class not supported (0122H)' },
        { sopInstanceUid: '1.3', reason: 'the PACS gave no reason' },
        { sopInstanceUid: '1.4', reason: 'the PACS did not acknowledge it' },
      ],
    });
    expect(stowOutcome(['1.1'], { '00081198': { vr: 'SQ' } })).toEqual({ stored: [], failed: [{ sopInstanceUid: '1.1', reason: 'the PACS did not acknowledge it' }] });
  });

  it('refuses an answer that is not a store response', () => {
    for (const answer of [null, [], 'x', {}, { '00081190': { vr: 'UR' } }]) expect(() => stowOutcome(['1.1'], answer)).toThrow(PacsError);
  });

  it('names failure reasons by code and by class', () => {
    expect(failureReasonText(0x0110)).toBe('processing failure (0110H)');
    expect(failureReasonText(0xa7ff)).toBe('out of resources (A7FFH)');
    expect(failureReasonText(0xa901)).toBe('data set does not match SOP class (A901H)');
    expect(failureReasonText(0xc123)).toBe('cannot understand (C123H)');
    expect(failureReasonText(0xc122)).toBe('transfer syntax not supported (C122H)');
    expect(failureReasonText(0xb000)).toBe('failure (B000H)');
    expect(failureReasonText(null)).toBe('the PACS gave no reason');
  });

  it('reads the SOP Instance UID of each object to send', () => {
    const bytes = syntheticDicom({ patientId: 'P', studyUid: '1.2', seriesUid: '1.2.3', sopUid: '1.2.3.4' });
    expect(sopInstanceUidOf(bytes, 0)).toBe('1.2.3.4');
    expect(() => sopInstanceUidOf(new TextEncoder().encode('<html>'), 2)).toThrow('STOW object 3 is not DICOM with a SOP Instance UID');
  });
});

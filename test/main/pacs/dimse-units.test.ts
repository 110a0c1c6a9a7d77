import { describe, expect, it } from 'vitest';
import { classifyStatus, describeStatus, statusHex } from '../../../main/pacs/dimse/dimse-status';
import { imageIdentifier, instanceMatch, patientKeys, seriesMatch, studyIdentifiers, studyMatch, text, texts } from '../../../main/pacs/dimse/find-keys';
import { part10Header, readPart10Meta } from '../../../main/pacs/dimse/part10-meta';
import { commandField, PduGuard } from '../../../main/pacs/dimse/pdu-guard';
import { rejectionError, rejectionKind, rejectionReason } from '../../../main/pacs/dimse/rejection';
import { batches } from '../../../main/pacs/dimse/store-scu';
import { acceptedTransferSyntaxes, IMAGE_TRANSFER_SYNTAXES, STORAGE_SOP_CLASSES } from '../../../main/pacs/dimse/syntaxes';
import { transferSyntax } from '../../../main/studies/dicom/transfer-syntax';

const CR = '1.2.840.10008.5.1.4.1.1.1';
const SEG = '1.2.840.10008.5.1.4.1.1.66.4';
const CT = '1.2.840.10008.5.1.4.1.1.2';

function u32be(value: number): number[] {
  return [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

function pdu(type: number, body: number[]): number[] {
  return [type, 0, ...u32be(body.length), ...body];
}

/** A P-DATA item: control bit 0 = command, bit 1 = last fragment. */
function item(value: number[], command: boolean, last: boolean): number[] {
  return [...u32be(value.length + 2), 1, (command ? 1 : 0) | (last ? 2 : 0), ...value];
}

/** An implicit VR little endian command set holding Command Field = `field`. */
function command(field: number): number[] {
  const affected = [...Buffer.from('1.2\0')];
  return [0, 0, 0x02, 0, 4, 0, 0, 0, ...affected, 0, 0, 0x00, 0x01, 2, 0, 0, 0, field & 0xff, field >> 8];
}

const LIMITS = { maxPduLength: 1000, maxCommandBytes: 64, maxDatasetBytes: 100 };

function feed(guard: PduGuard, bytes: number[], pieceSize = bytes.length): string | null {
  for (let offset = 0; offset < bytes.length; offset += pieceSize) {
    const refusal = guard.inspect(Uint8Array.from(bytes.slice(offset, offset + pieceSize)));
    if (refusal) return refusal;
  }
  return null;
}

describe('PduGuard', () => {
  const associateAc = pdu(0x02, [1, 2, 3, 4]);
  const find = [...pdu(0x04, item(command(0x0020), true, true)), ...pdu(0x04, item(new Array(100).fill(7), false, true))];

  it('lets well-framed PDUs through, however the bytes are split', () => {
    for (const pieceSize of [1, 5, 7, 1000]) expect(feed(new PduGuard(LIMITS), [...associateAc, ...find, ...find], pieceSize)).toBeNull();
  });

  it('cuts off a PDU longer than the maximum announced, from its header alone', () => {
    expect(new PduGuard(LIMITS).inspect(Uint8Array.from([0x04, 0, ...u32be(0x7fffffff)]))).toMatch(/PDU of 2147483647 bytes, past the 1000-byte maximum/);
    expect(feed(new PduGuard(LIMITS), pdu(0x01, new Array(1001).fill(0)))).toMatch(/1001 bytes/);
  });

  it('bounds the data set of any message but a C-STORE request, which it leaves to the instance sink', () => {
    const oversized = (field: number) => [
      ...pdu(0x04, item(command(field), true, true)),
      ...pdu(0x04, item(new Array(60).fill(1), false, false)),
      ...pdu(0x04, item(new Array(41).fill(1), false, true)),
    ];
    expect(feed(new PduGuard(LIMITS), oversized(0x0020), 3)).toMatch(/data set of more than 100 bytes/);
    expect(feed(new PduGuard(LIMITS), oversized(0x0001), 3)).toBeNull();
    // The count starts again with each message.
    expect(feed(new PduGuard(LIMITS), [...find, ...find, ...find])).toBeNull();
  });

  it('bounds a command and refuses items that do not fit their PDU', () => {
    expect(feed(new PduGuard(LIMITS), pdu(0x04, item(new Array(65).fill(0), true, true)))).toMatch(/command of more than 64 bytes/);
    const lying = [0x04, 0, ...u32be(10), ...u32be(50), 1, 3, 0, 0, 0, 0];
    expect(feed(new PduGuard(LIMITS), lying)).toMatch(/item of 50 bytes in a PDU with 6 left/);
    expect(feed(new PduGuard(LIMITS), [0x04, 0, ...u32be(4), 0, 0, 0, 2])).toMatch(/runs past the end of its PDU/);
  });

  it('reads the Command Field of a command set', () => {
    expect(commandField(Uint8Array.from(command(0x0001)))).toBe(0x0001);
    expect(commandField(Uint8Array.from(command(0x8020)))).toBe(0x8020);
    expect(commandField(Uint8Array.from(command(0x0020).slice(0, 12)))).toBeUndefined();
    expect(commandField(new Uint8Array())).toBeUndefined();
  });
});

describe('DIMSE statuses', () => {
  it('are written as four hex digits and sorted as PS3.7 annex C says', () => {
    expect(statusHex(0xa700)).toBe('0xA700');
    expect(statusHex(0)).toBe('0x0000');
    expect(statusHex(0x0124)).toBe('0x0124');
    expect([0x0000, 0xff00, 0xff01, 0xfe00, 0xb000, 0x0107, 0xa700, 0xc123, 0x0124].map(classifyStatus)).toEqual([
      'success',
      'pending',
      'pending',
      'cancel',
      'warning',
      'warning',
      'failure',
      'failure',
      'failure',
    ]);
    expect(describeStatus(0xa700, ' disk full\0')).toBe('status 0xA700 (disk full)');
    expect(describeStatus(0xc000, undefined)).toBe('status 0xC000');
  });
});

describe('association rejections', () => {
  it('say the reason and whether trying again can help', () => {
    const called = { result: 1, source: 1, reason: 7 };
    const calling = { result: 1, source: 1, reason: 3 };
    const busy = { result: 2, source: 3, reason: 2 };
    const version = { result: 1, source: 2, reason: 2 };
    const context = { result: 1, source: 1, reason: 2 };
    expect([called, calling, busy, version, context].map(rejectionReason)).toEqual([
      'called AE title not recognized',
      'calling AE title not recognized',
      'local limit exceeded',
      'protocol version not supported',
      'application context name not supported',
    ]);
    expect([called, calling, busy, version, context].map(rejectionKind)).toEqual(['authentication', 'authentication', 'connection', 'protocol', 'protocol']);
    const error = rejectionError(called, 'ARCHIVE', 'PLEURA', 'ARCHIVE at pacs:104');
    expect(error.kind).toBe('authentication');
    expect(error.message).toContain('"PLEURA" called "ARCHIVE"');
    expect(error.message).toContain('called AE title not recognized');
  });
});

describe('C-FIND identifiers', () => {
  it('search a patient by name prefix, and by ID when the text has a digit', () => {
    expect(patientKeys('Doe')).toEqual([{ PatientName: 'Doe*' }]);
    expect(patientKeys(' 12345 ')).toEqual([{ PatientName: '12345*' }, { PatientID: '12345' }]);
    expect(patientKeys('Do*e')).toEqual([{ PatientName: 'Do*e' }]);
    expect(patientKeys('A\\B')).toEqual([{ PatientName: 'A?B' }]);
    expect(patientKeys(undefined)).toEqual([{}]);
  });

  it('ask each modality in its own request, with the date range as DICOM writes it', () => {
    const identifiers = studyIdentifiers({ patient: 'Doe', from: '20240101', to: '20240131', modalities: ['CR', 'DX'] });
    expect(identifiers.map((i) => [i.PatientName, i.StudyDate, i.ModalitiesInStudy, i.QueryRetrieveLevel])).toEqual([
      ['Doe*', '20240101-20240131', 'CR', 'STUDY'],
      ['Doe*', '20240101-20240131', 'DX', 'STUDY'],
    ]);
    expect(identifiers[0]).toMatchObject({ StudyInstanceUID: '', PatientID: '', NumberOfStudyRelatedInstances: '' });
    expect(studyIdentifiers({ from: '20240101', to: '20240101' })[0].StudyDate).toBe('20240101');
    expect(studyIdentifiers({ from: '20240101' })[0].StudyDate).toBe('20240101-');
    expect(studyIdentifiers({ to: '20240101' })[0].StudyDate).toBe('-20240101');
    expect(studyIdentifiers({})[0]).toMatchObject({ StudyDate: '', ModalitiesInStudy: '' });
    expect(() => studyIdentifiers({ from: '2024-01-01' })).toThrow(RangeError);
    expect(() => studyIdentifiers({ modalities: ['cr'] })).toThrow(RangeError);
    expect(imageIdentifier('1.2', '1.2.3')).toEqual({ QueryRetrieveLevel: 'IMAGE', StudyInstanceUID: '1.2', SeriesInstanceUID: '1.2.3', SOPInstanceUID: '', SOPClassUID: '' });
  });
});

describe('C-FIND answers', () => {
  it('read values in each shape dcmjs naturalises them to', () => {
    expect(text([{ Alphabetic: 'Doe^John' }])).toBe('Doe^John');
    expect(text({ Alphabetic: 'Doe' })).toBe('Doe');
    expect(text(' X\0')).toBe('X');
    expect(text('')).toBeNull();
    expect(text(3)).toBe('3');
    expect(text(NaN)).toBeNull();
    expect(text({})).toBeNull();
    expect(texts('CR\\DX')).toEqual(['CR', 'DX']);
    expect(texts(['CR', ''])).toEqual(['CR']);
    expect(texts(undefined)).toEqual([]);
  });

  it('make a study match, and skip an answer without a usable Study Instance UID', () => {
    const answer = {
      StudyInstanceUID: '1.2.3',
      PatientID: 'P1',
      PatientName: [{ Alphabetic: 'Doe^Jane' }],
      StudyDate: '20240105',
      StudyTime: '101500',
      AccessionNumber: '',
      StudyDescription: 'CHEST PA',
      ModalitiesInStudy: ['CR', 'SR'],
      NumberOfStudyRelatedInstances: 3,
    };
    expect(studyMatch(answer)).toEqual({
      studyInstanceUid: '1.2.3',
      patientId: 'P1',
      patientName: 'Doe^Jane',
      studyDate: '20240105',
      studyTime: '101500',
      accessionNumber: null,
      studyDescription: 'CHEST PA',
      modalities: ['CR', 'SR'],
      instanceCount: 3,
    });
    expect(studyMatch({ ...answer, NumberOfStudyRelatedInstances: 'many' })?.instanceCount).toBeNull();
    expect(studyMatch({ ...answer, StudyInstanceUID: undefined })).toBeNull();
    expect(studyMatch({ ...answer, StudyInstanceUID: '../x' })).toBeNull();
    expect(studyMatch({ ...answer, StudyInstanceUID: ['1.2.3', '4.5'] })?.studyInstanceUid).toBe('1.2.3');
  });

  it('keep series and instances of the study asked about, where the answer names it or leaves it out', () => {
    const series = seriesMatch({ StudyInstanceUID: '1.2', SeriesInstanceUID: '1.2.3', Modality: 'CR', Manufacturer: 'ACME' }, '1.2');
    expect(series).toEqual({ seriesInstanceUid: '1.2.3', modality: 'CR', manufacturer: 'ACME' });
    expect(seriesMatch({ SeriesInstanceUID: '1.2.3' }, '1.2')?.seriesInstanceUid).toBe('1.2.3');
    expect(seriesMatch({ StudyInstanceUID: '9.9', SeriesInstanceUID: '1.2.3' }, '1.2')).toBeNull();
    expect(seriesMatch({ StudyInstanceUID: '1.2' }, '1.2')).toBeNull();
    expect(instanceMatch({ SOPInstanceUID: '1.2.3.4', SOPClassUID: CR, SeriesInstanceUID: '1.2.3' }, '1.2', series!)).toEqual({
      studyInstanceUid: '1.2',
      seriesInstanceUid: '1.2.3',
      sopInstanceUid: '1.2.3.4',
      sopClassUid: CR,
      modality: 'CR',
      manufacturer: 'ACME',
    });
    expect(instanceMatch({ SOPInstanceUID: '1.2.3.4', SeriesInstanceUID: '7.7' }, '1.2', series!)).toBeNull();
    expect(instanceMatch({ SOPClassUID: CR }, '1.2', series!)).toBeNull();
  });
});

describe('Part 10 headers', () => {
  const meta = { sopClassUid: CR, sopInstanceUid: '1.2.3.4', transferSyntaxUid: '1.2.840.10008.1.2.4.50' };

  it('are written for a received data set and read back, with where the data set starts', () => {
    const header = part10Header(meta);
    expect(Buffer.from(header.subarray(128, 132)).toString('latin1')).toBe('DICM');
    const file = new Uint8Array([...header, 0x08, 0x00, 0x16, 0x00]);
    expect(readPart10Meta(file)).toEqual({ ...meta, dataSetOffset: header.length });
  });

  it('refuse what is not a Part 10 file or lacks its UIDs', () => {
    expect(readPart10Meta(new Uint8Array(200))).toEqual({ refusal: 'not a DICOM Part 10 file (no "DICM" at byte 128)' });
    const header = part10Header(meta);
    expect(readPart10Meta(header.subarray(0, header.length - 10))).toHaveProperty('refusal');
    const noSyntax = part10Header({ ...meta, transferSyntaxUid: '' });
    expect(readPart10Meta(noSyntax)).toEqual({ refusal: 'its file meta group lacks transferSyntaxUid' });
  });
});

describe('what Pleura takes in', () => {
  it('accepts images in transfer syntaxes its decoder reads, derived objects uncompressed, and nothing else', () => {
    for (const uid of IMAGE_TRANSFER_SYNTAXES) expect(transferSyntax(uid).encoding, uid).not.toBe('unsupported');
    expect(acceptedTransferSyntaxes(CR)).toBe(IMAGE_TRANSFER_SYNTAXES);
    expect(acceptedTransferSyntaxes(SEG)).toEqual(['1.2.840.10008.1.2.1', '1.2.840.10008.1.2']);
    expect(acceptedTransferSyntaxes(CT)).toEqual([]);
    expect(STORAGE_SOP_CLASSES).toHaveLength(9);
  });

  it('sends objects in as few associations as 128 presentation contexts allow', () => {
    const object = (n: number) => ({ meta: { sopClassUid: CR, sopInstanceUid: `1.${n}`, transferSyntaxUid: `1.2.${n}` } });
    const many = Array.from({ length: 130 }, (_, n) => object(n));
    expect(batches(many).map((group) => group.length)).toEqual([128, 2]);
    // An object whose pair is already proposed joins that association.
    expect(batches([...many, object(0), object(129)]).map((group) => group.length)).toEqual([129, 3]);
  });
});

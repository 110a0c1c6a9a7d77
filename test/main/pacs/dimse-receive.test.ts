import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePart10 } from '../../../main/exports/part10';
import { InstanceSink, type SinkResult } from '../../../main/pacs/dimse/instance-sink';
import { keepInstance, type InstanceStore } from '../../../main/pacs/dimse/instance-store';
import { part10Header, readPart10Meta } from '../../../main/pacs/dimse/part10-meta';
import { newUid } from '../../../main/phantoms/dicom';

const CR = '1.2.840.10008.5.1.4.1.1.1';
const EXPLICIT = '1.2.840.10008.1.2.1';
const flow = { pause: () => undefined, resume: () => undefined };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pleura-dimse-receive-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function folder(name: string): Promise<string> {
  const made = path.join(dir, name);
  await mkdir(made);
  return made;
}

/** Writes `chunks` into a sink as dcmjs-dimse would, then ends it (or abandons it). */
async function receive(into: string, chunks: Uint8Array[], maxBytes: number, abandon = false): Promise<{ sink: InstanceSink; result: SinkResult }> {
  const sink = new InstanceSink(into, part10Header({ sopClassUid: CR, sopInstanceUid: '1.2.3', transferSyntaxUid: EXPLICIT }), maxBytes, flow);
  for (const chunk of chunks) sink.write(Buffer.from(chunk));
  if (abandon) sink.destroy();
  else sink.end();
  return { sink, result: await sink.result };
}

describe('InstanceSink', () => {
  it('writes the header and the data set to a hidden temporary file', async () => {
    const into = await folder('whole');
    const { result } = await receive(into, [Uint8Array.of(1, 2, 3), Uint8Array.of(4, 5)], 5);
    expect(result).toMatchObject({ kind: 'written', bytes: 5 });
    const file = (result as { file: string }).file;
    expect(path.basename(file)).toMatch(/^\.incoming-.*\.partial$/);
    const bytes = new Uint8Array(await readFile(file));
    const meta = readPart10Meta(bytes);
    expect(meta).toMatchObject({ sopInstanceUid: '1.2.3', transferSyntaxUid: EXPLICIT });
    expect([...bytes.subarray((meta as { dataSetOffset: number }).dataSetOffset)]).toEqual([1, 2, 3, 4, 5]);
  });

  it('counts an instance past the cap to its end but keeps nothing of it', async () => {
    const into = await folder('large');
    const { result } = await receive(into, [new Uint8Array(4), new Uint8Array(4), new Uint8Array(4)], 6);
    expect(result).toEqual({ kind: 'too-large', bytes: 12 });
    expect(await readdir(into)).toEqual([]);
  });

  it('deletes what it wrote when the association ends before the data set', async () => {
    const into = await folder('abandoned');
    const { result } = await receive(into, [new Uint8Array(4)], 100, true);
    expect(result).toEqual({ kind: 'failed', reason: 'the association ended before the data set did' });
    expect(await readdir(into)).toEqual([]);
  });

  it('pauses the socket while the disk is behind and resumes it after', async () => {
    const into = await folder('backlog');
    const calls: string[] = [];
    const sink = new InstanceSink(into, new Uint8Array(), 64 * 2 ** 20, { pause: () => calls.push('pause'), resume: () => calls.push('resume') });
    for (let k = 0; k < 3; k++) sink.write(Buffer.alloc(3 * 2 ** 20));
    sink.end();
    expect(await sink.result).toMatchObject({ kind: 'written', bytes: 9 * 2 ** 20 });
    expect(calls).toEqual(['pause', 'resume']);
  });
});

describe('keepInstance', () => {
  const study = newUid();
  const series = newUid();
  const sop = newUid();
  const part10 = writePart10({ SOPClassUID: CR, SOPInstanceUID: sop, StudyInstanceUID: study, SeriesInstanceUID: series, Modality: 'CR' }, 'TEST');
  const dataSet = part10.subarray((readPart10Meta(part10) as { dataSetOffset: number }).dataSetOffset);
  const stored: string[] = [];
  const store = (into: string): InstanceStore => ({
    folder: into,
    maxInstanceBytes: 1e6,
    place: (instance) => (instance.studyInstanceUid === study ? { relative: `${instance.studyInstanceUid}/${instance.sopInstanceUid}.dcm` } : { refusal: 'another study' }),
    stored: (file) => {
      stored.push(file);
    },
  });

  async function sinkOf(into: string, bytes: Uint8Array, announcedSop = sop): Promise<SinkResult> {
    const sink = new InstanceSink(into, part10Header({ sopClassUid: CR, sopInstanceUid: announcedSop, transferSyntaxUid: EXPLICIT }), 1e6, flow);
    sink.end(Buffer.from(bytes));
    return sink.result;
  }

  it('renames a checked instance into its place, its data set as it came', async () => {
    const into = await folder('keep');
    const outcome = await keepInstance(await sinkOf(into, dataSet), { sopClassUid: CR, sopInstanceUid: sop }, store(into), 'MODALITY');
    expect(outcome).toMatchObject({ status: 0, file: path.join(into, study, `${sop}.dcm`), instance: { studyInstanceUid: study, seriesInstanceUid: series, sopInstanceUid: sop, sopClassUid: CR } });
    expect(stored).toEqual([outcome.file]);
    const kept = new Uint8Array(await readFile(outcome.file!));
    expect(Buffer.from(kept.subarray((readPart10Meta(kept) as { dataSetOffset: number }).dataSetOffset)).equals(Buffer.from(dataSet))).toBe(true);
    expect(await readdir(into)).toEqual([study]);
  });

  it('refuses, with the status that says why, and leaves no file', async () => {
    const into = await folder('refuse');
    const other = newUid();
    const noStudy = writePart10({ SOPClassUID: CR, SOPInstanceUID: sop, SeriesInstanceUID: series }, 'TEST');
    const cases: [SinkResult, string, RegExp][] = [
      [await sinkOf(into, dataSet, other), other, /the data set is .* the command announced/],
      [await sinkOf(into, noStudy.subarray((readPart10Meta(noStudy) as { dataSetOffset: number }).dataSetOffset)), sop, /no Study Instance UID/],
      [await sinkOf(into, Uint8Array.of(0xff, 0xff, 1, 2, 3)), sop, /cannot read the data set/],
      [{ kind: 'too-large', bytes: 2e6 }, sop, /2000000 bytes, past the 1000000-byte limit/],
    ];
    const statuses = [];
    for (const [result, announced, why] of cases) {
      const outcome = await keepInstance(result, { sopClassUid: CR, sopInstanceUid: announced }, store(into), 'MODALITY');
      expect(outcome.comment).toMatch(why);
      statuses.push(outcome.status);
    }
    expect(statuses).toEqual([0xc000, 0xc000, 0xc000, 0xa700]);
    const elsewhere = writePart10({ SOPClassUID: CR, SOPInstanceUID: sop, StudyInstanceUID: newUid(), SeriesInstanceUID: series }, 'TEST');
    const refused = await keepInstance(await sinkOf(into, elsewhere.subarray((readPart10Meta(elsewhere) as { dataSetOffset: number }).dataSetOffset)), { sopClassUid: CR, sopInstanceUid: sop }, store(into), 'X');
    expect(refused).toMatchObject({ status: 0x0124, comment: 'another study' });
    const mismatch = await keepInstance(await sinkOf(into, dataSet), { sopClassUid: '1.2.840.10008.5.1.4.1.1.7', sopInstanceUid: sop }, store(into), 'X');
    expect(mismatch.status).toBe(0xa900);
    expect(await readdir(into)).toEqual([]);
  });
});

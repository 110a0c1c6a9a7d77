// Pleura's DIMSE SCU against a real PACS: Debian's Orthanc, started on loopback for this file.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echo } from '../../../main/pacs/dimse/echo';
import { findInstances, findStudies } from '../../../main/pacs/dimse/find';
import { readPart10Meta } from '../../../main/pacs/dimse/part10-meta';
import { retrieveStudy } from '../../../main/pacs/dimse/retrieve';
import { storeInstances } from '../../../main/pacs/dimse/store-scu';
import type { DimsePeer, InstanceRef } from '../../../main/pacs/peers';
import { writePhantomSet, type PhantomSetSummary } from '../../../main/phantoms/write-set';
import { parseFile } from '../../../main/studies/dicom/dataset';
import { freePort, ORTHANC_MISSING, orthancAvailable, startOrthanc, type OrthancServer } from '../../fixtures/orthanc';

const CR = '1.2.840.10008.5.1.4.1.1.1';

function dataSetOf(bytes: Uint8Array): Buffer {
  const meta = readPart10Meta(bytes);
  if ('refusal' in meta) throw new Error(meta.refusal);
  return Buffer.from(bytes.subarray(meta.dataSetOffset));
}

describe.skipIf(!orthancAvailable())(`DIMSE SCU against Orthanc${orthancAvailable() ? '' : ` (${ORTHANC_MISSING})`}`, () => {
  let orthanc: OrthancServer;
  let dir: string;
  let phantoms: PhantomSetSummary;
  let peer: DimsePeer;
  let movePort: number;
  /** Study Instance UID of each uploaded phantom, in phantom order */
  const studies: string[] = [];
  const phantomFile = (k: number) => path.join(dir, 'phantoms', phantoms.images[k].file);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pleura-dimse-orthanc-'));
    movePort = await freePort();
    orthanc = await startOrthanc({ dicom: true, modalities: { PLEURA: { aet: 'PLEURA', host: '127.0.0.1', port: movePort } } });
    phantoms = await writePhantomSet({ out: path.join(dir, 'phantoms'), count: 4, seed: 11, size: 256, positiveFraction: 0.5 });
    for (const k of [0, 1, 2]) {
      const bytes = new Uint8Array(await readFile(phantomFile(k)));
      studies.push(parseFile(bytes, phantomFile(k)).dataSet.string('x0020000d')!);
      await orthanc.upload(bytes);
    }
    peer = { aeTitle: orthanc.aet, host: '127.0.0.1', port: orthanc.dicomPort!, callingAeTitle: 'PLEURA', timeoutMs: 10_000 };
  });
  afterAll(async () => {
    await orthanc?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('echoes, and says what is wrong when it cannot', async () => {
    expect((await echo(peer)).ms).toBeGreaterThanOrEqual(0);
    await expect(echo({ ...peer, port: await freePort() })).rejects.toMatchObject({ kind: 'connection', message: expect.stringMatching(/cannot reach ORTHANC at 127\.0\.0\.1:\d+: ECONNREFUSED/) });
    const cancelled = new AbortController();
    cancelled.abort();
    await expect(echo(peer, cancelled.signal)).rejects.toMatchObject({ kind: 'cancelled' });
  });

  it('gives up on a peer that accepts the connection and never answers', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const started = performance.now();
      await expect(echo({ ...peer, port, timeoutMs: 300 })).rejects.toMatchObject({ kind: 'connection', message: expect.stringContaining('did not answer') });
      expect(performance.now() - started).toBeLessThan(3000);
    } finally {
      silent.close();
    }
  });

  it('finds studies by patient, date and modality, and stops at the limit', async () => {
    const all = await findStudies(peer, { patient: 'Phantom', modalities: ['CR', 'DX'] });
    expect(all.map((s) => s.studyInstanceUid).sort()).toEqual([...studies].sort());
    const first = all.find((s) => s.studyInstanceUid === studies[0])!;
    expect(first).toMatchObject({ patientId: phantoms.images[0].patientId, patientName: 'Phantom^0001', studyDate: '20260101', modalities: ['CR'], instanceCount: 1 });
    expect(await findStudies(peer, { patient: phantoms.images[1].patientId })).toEqual([expect.objectContaining({ studyInstanceUid: studies[1] })]);
    expect(await findStudies(peer, { modalities: ['DX'] })).toEqual([]);
    expect(await findStudies(peer, { from: '20260102' })).toEqual([]);
    expect(await findStudies(peer, { from: '20251231', to: '20260101' })).toHaveLength(3);
    expect(await findStudies(peer, { limit: 2 })).toHaveLength(2);
    expect(await findStudies(peer, { limit: 2, offset: 2 })).toHaveLength(1);
    // The association is not left half-open by the cancel: the next search works.
    expect(await findStudies(peer, { limit: 1 })).toHaveLength(1);
  });

  it('is refused, with the reason, when the PACS does not know the calling AE', async () => {
    await expect(findStudies({ ...peer, callingAeTitle: 'STRANGER' }, {})).rejects.toMatchObject({
      kind: 'refused',
      message: expect.stringMatching(/ORTHANC at 127\.0\.0\.1:\d+ aborted the association .*"STRANGER"/),
    });
  });

  it('finds the instances of a study', async () => {
    expect(await findInstances(peer, studies[0])).toEqual([
      {
        studyInstanceUid: studies[0],
        seriesInstanceUid: parseFile(new Uint8Array(await readFile(phantomFile(0))), phantomFile(0)).dataSet.string('x0020000e'),
        sopInstanceUid: phantoms.images[0].imageId,
        sopClassUid: CR,
        modality: 'CR',
        manufacturer: null,
      },
    ]);
    expect(await findInstances(peer, '1.2.3.4.5')).toEqual([]);
    await expect(findInstances(peer, '../etc')).rejects.toThrow(RangeError);
  });

  for (const method of ['get', 'move'] as const) {
    it(`retrieves a study by C-${method.toUpperCase()}, each instance as the PACS holds it`, async () => {
      const k = method === 'get' ? 0 : 1;
      const into = path.join(dir, `retrieved-${method}`);
      const seen: [string, InstanceRef][] = [];
      const result = await retrieveStudy(peer, studies[k], into, {
        method,
        moveDestination: { aeTitle: 'PLEURA', port: movePort },
        onInstance: (file, ref) => seen.push([file, ref]),
      });
      const file = path.join(into, `${phantoms.images[k].imageId}.dcm`);
      expect(result).toEqual({ files: [file], failed: 0 });
      expect(seen).toEqual([[file, { studyInstanceUid: studies[k], seriesInstanceUid: expect.any(String), sopInstanceUid: phantoms.images[k].imageId }]]);
      const original = new Uint8Array(await readFile(phantomFile(k)));
      expect(dataSetOf(new Uint8Array(await readFile(file))).equals(dataSetOf(original))).toBe(true);
    });
  }

  it('says why a C-MOVE to an AE the PACS does not know fails', async () => {
    const port = await freePort();
    await expect(retrieveStudy(peer, studies[0], path.join(dir, 'nowhere'), { method: 'move', moveDestination: { aeTitle: 'UNKNOWN', port } })).rejects.toMatchObject({
      kind: 'refused',
      // (Orthanc answers 0xC000; the standard's 0xA801 "move destination unknown" gets the same hint.)
      message: expect.stringMatching(new RegExp(`C-MOVE with status 0xC000.*"UNKNOWN" at 127\\.0\\.0\\.1:${port}`)),
    });
  });

  it('stores instances by C-STORE, as they are, and tells what it could not send', async () => {
    const bytes = new Uint8Array(await readFile(phantomFile(3)));
    const result = await storeInstances(peer, [phantomFile(3), new Uint8Array(300)]);
    expect(result.stored).toEqual([phantoms.images[3].imageId]);
    expect(result.failed).toEqual([{ sopInstanceUid: '', reason: 'object 2: not a DICOM Part 10 file (no "DICM" at byte 128)' }]);
    const kept = (await orthanc.instances()).find((instance) => instance.MainDicomTags.SOPInstanceUID === phantoms.images[3].imageId);
    expect(kept).toBeDefined();
    const authorization = `Basic ${Buffer.from(`${orthanc.user}:${orthanc.password}`).toString('base64')}`;
    const file = new Uint8Array(await (await fetch(`${orthanc.restUrl}/instances/${kept.ID}/file`, { headers: { authorization } })).arrayBuffer());
    expect(dataSetOf(file).equals(dataSetOf(bytes))).toBe(true);
    // Sending again is harmless: the PACS keeps one instance per SOP Instance UID.
    expect((await storeInstances(peer, [bytes])).stored).toEqual([phantoms.images[3].imageId]);
    expect((await orthanc.instances()).filter((instance) => instance.MainDicomTags.SOPInstanceUID === phantoms.images[3].imageId)).toHaveLength(1);
  });
});

// The DICOMweb client against a real Orthanc (with its DICOMweb plugin) on loopback.
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDicomwebClient, type DicomwebClient } from '../../../main/pacs/dicomweb/client';
import { PacsError } from '../../../main/pacs/pacs-error';
import type { InstanceRef } from '../../../main/pacs/peers';
import { newUid } from '../../../main/phantoms/dicom';
import { writePhantomSet } from '../../../main/phantoms/write-set';
import { parseFile } from '../../../main/studies/dicom/dataset';
import { ORTHANC_MISSING, orthancAvailable, startOrthanc, type OrthancServer } from '../../fixtures/orthanc';
import { syntheticDicom, type SyntheticDicom } from '../../fixtures/synthetic-dicom';
import { describeWithSharedData, sharedFile } from '../../support/shared-data';

async function pacsError(promise: Promise<unknown>): Promise<PacsError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PacsError);
  return error as PacsError;
}

function refOf(bytes: Uint8Array): InstanceRef {
  const { dataSet } = parseFile(bytes, 'phantom');
  return { studyInstanceUid: dataSet.string('x0020000d')!, seriesInstanceUid: dataSet.string('x0020000e')!, sopInstanceUid: dataSet.string('x00080018')! };
}

function synthetic(fields: Partial<SyntheticDicom> & { patientId: string }): SyntheticDicom {
  return { studyUid: newUid(), seriesUid: newUid(), sopUid: newUid(), ...fields };
}

if (!orthancAvailable()) console.warn(ORTHANC_MISSING);

describe.skipIf(!orthancAvailable())('DICOMweb client against Orthanc', () => {
  let orthanc: OrthancServer;
  let client: DicomwebClient;
  let work: string;
  const phantoms: { bytes: Uint8Array; ref: InstanceRef }[] = [];
  const studies = {
    cr: synthetic({ patientId: 'P001', patientName: 'Doe^John', modality: 'CR', studyDate: '20240101', studyDescription: 'Chest PA' }),
    dx: synthetic({ patientId: 'P002', patientName: 'Roe^Jane', modality: 'DX', studyDate: '20240105' }),
    ct: synthetic({ patientId: 'P003', patientName: 'Doe^Jim', modality: 'CT', studyDate: '20240110' }),
    dx2: synthetic({ patientId: 'X-77', patientName: 'Poe^Edgar', modality: 'DX', studyDate: '20240201' }),
    spaced: synthetic({ patientId: 'VD 9/1', patientName: 'Van Damme^Jean', modality: 'MR', studyDate: '20230101' }),
  };

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'pleura-dicomweb-'));
    orthanc = await startOrthanc();
    client = createDicomwebClient({ url: orthanc.dicomwebUrl, auth: { kind: 'basic', user: orthanc.user, password: orthanc.password } });
    const set = await writePhantomSet({ out: path.join(work, 'phantoms'), count: 2, seed: 13, size: 256, positiveFraction: 0.5 });
    for (const image of set.images) {
      const bytes = new Uint8Array(await readFile(path.join(set.out, image.file)));
      phantoms.push({ bytes, ref: refOf(bytes) });
      await orthanc.upload(bytes);
    }
    for (const study of Object.values(studies)) await orthanc.upload(syntheticDicom(study));
  });

  afterAll(async () => {
    await orthanc?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('verifies the connection and names a wrong password or token as such, without the secret', async () => {
    expect((await client.verify()).ms).toBeGreaterThanOrEqual(0);
    const wrong = createDicomwebClient({ url: orthanc.dicomwebUrl, auth: { kind: 'basic', user: orthanc.user, password: 'not-the-password' } });
    const error = await pacsError(wrong.verify());
    expect(error.kind).toBe('authentication');
    expect(error.status).toBe(401);
    expect(error.message).toBe('the PACS refused the user name and password');
    expect(error.message).not.toContain('not-the-password');
    const bearer = createDicomwebClient({ url: `${orthanc.dicomwebUrl}/`, auth: { kind: 'bearer', token: 'secret-token' } });
    expect((await pacsError(bearer.verify())).message).toBe('the PACS refused the access token');
    const none = createDicomwebClient({ url: orthanc.dicomwebUrl, auth: { kind: 'none' } });
    expect((await pacsError(none.searchStudies({}))).kind).toBe('authentication');
  });

  it('searches studies by modality (CR or DX), date range, patient name or ID, with limit and offset', async () => {
    const uids = (matches: { studyInstanceUid: string }[]) => matches.map((m) => m.studyInstanceUid).sort();
    const crDx = await client.searchStudies({ modalities: ['CR', 'DX'], to: '20241231' });
    expect(uids(crDx)).toEqual([studies.cr.studyUid, studies.dx.studyUid, studies.dx2.studyUid].sort());
    expect(uids(await client.searchStudies({ from: '20240102', to: '20240110' }))).toEqual([studies.dx.studyUid, studies.ct.studyUid].sort());
    expect(uids(await client.searchStudies({ from: '20240105', to: '20240105' }))).toEqual([studies.dx.studyUid]);
    expect(uids(await client.searchStudies({ patient: 'doe' }))).toEqual([studies.cr.studyUid, studies.ct.studyUid].sort());
    expect(uids(await client.searchStudies({ patient: 'P002' }))).toEqual([studies.dx.studyUid]);
    expect(uids(await client.searchStudies({ patient: 'X-7*' }))).toEqual([studies.dx2.studyUid]);
    expect(await client.searchStudies({ patient: 'nobody' })).toEqual([]);
    // Spaces, carets and slashes, which Orthanc would not find percent-encoded.
    expect(uids(await client.searchStudies({ patient: 'van damme^jean' }))).toEqual([studies.spaced.studyUid]);
    expect(uids(await client.searchStudies({ patient: 'VD 9/1' }))).toEqual([studies.spaced.studyUid]);

    const cr = (await client.searchStudies({ patient: 'Doe^John' }))[0];
    expect(cr).toEqual({
      studyInstanceUid: studies.cr.studyUid,
      patientId: 'P001',
      patientName: 'Doe^John',
      studyDate: '20240101',
      studyTime: '101500',
      accessionNumber: 'ACC1',
      studyDescription: 'Chest PA',
      modalities: ['CR'],
      instanceCount: 1,
    });

    // The merged window of several searches: three CR/DX studies, two at a time.
    const first = await client.searchStudies({ modalities: ['CR', 'DX'], to: '20241231', limit: 2 });
    const second = await client.searchStudies({ modalities: ['CR', 'DX'], to: '20241231', limit: 2, offset: 2 });
    expect(first).toHaveLength(2);
    expect(second).toHaveLength(1);
    expect(uids([...first, ...second])).toEqual(uids(crDx));
    expect(await client.searchStudies({ limit: 1, offset: 1 })).toHaveLength(1);
  });

  it('lists every study since a date, page by page, for the poller', async () => {
    // One study a page: Orthanc pages before it filters on modality, so most pages hold no CR or DX at all.
    const paged = createDicomwebClient({ url: orthanc.dicomwebUrl, auth: { kind: 'basic', user: orthanc.user, password: orthanc.password } }, { pageSize: 1 });
    const phantomStudies = phantoms.map((p) => p.ref.studyInstanceUid);
    const since = await paged.searchStudiesSince('20240105', { modalities: ['CR', 'DX'] });
    expect(since.map((s) => s.studyInstanceUid).sort()).toEqual([studies.dx.studyUid, studies.dx2.studyUid, ...phantomStudies].sort());
    const all = await paged.searchStudiesSince('20240105');
    expect(all.map((s) => s.studyInstanceUid).sort()).toEqual([studies.dx.studyUid, studies.ct.studyUid, studies.dx2.studyUid, ...phantomStudies].sort());
    expect((await paged.searchStudies({ modalities: ['CR'], limit: 2 })).map((s) => s.modalities)).toEqual([['CR'], ['CR']]);
  });

  it('searches a study\'s instances, with filters', async () => {
    const { ref } = phantoms[0];
    const [match, ...rest] = await client.searchInstances(ref.studyInstanceUid);
    expect(rest).toEqual([]);
    expect(match).toEqual({ ...ref, sopClassUid: '1.2.840.10008.5.1.4.1.1.1', modality: 'CR', manufacturer: null });
    expect(await client.searchInstances(ref.studyInstanceUid, { seriesInstanceUid: ref.seriesInstanceUid, sopInstanceUid: ref.sopInstanceUid, modality: 'CR' })).toHaveLength(1);
    expect(await client.searchInstances(ref.studyInstanceUid, { modality: 'DX' })).toEqual([]);
    expect(await client.searchInstances(ref.studyInstanceUid, { sopInstanceUid: phantoms[1].ref.sopInstanceUid })).toEqual([]);
    expect(await client.instanceExists(ref)).toBe(true);
    expect(await client.instanceExists({ ...ref, sopInstanceUid: newUid() })).toBe(false);
    await expect(client.searchInstances('1.2.3/../x')).rejects.toThrow(RangeError);
  });

  it('retrieves an instance byte for byte, in its stored (JPEG) transfer syntax, with no partial file left', async () => {
    const folder = path.join(work, 'retrieved');
    await rm(folder, { recursive: true, force: true });
    await mkdir(folder);
    for (const [k, phantom] of phantoms.entries()) {
      const file = path.join(folder, `${k}.dcm`);
      const { bytes } = await client.retrieveInstance(phantom.ref, file);
      expect(bytes).toBe(phantom.bytes.length);
      expect(Buffer.compare(await readFile(file), phantom.bytes)).toBe(0);
    }
    expect((await readdir(folder)).sort()).toEqual(['0.dcm', '1.dcm']);
    const missing = await pacsError(client.retrieveInstance({ ...phantoms[0].ref, sopInstanceUid: newUid() }, path.join(folder, 'missing.dcm')));
    expect(missing.kind).toBe('not-found');
    expect((await readdir(folder)).sort()).toEqual(['0.dcm', '1.dcm']);
    const small = createDicomwebClient({ url: orthanc.dicomwebUrl, auth: { kind: 'basic', user: orthanc.user, password: orthanc.password } }, { maxInstanceBytes: 1000 });
    expect((await pacsError(small.retrieveInstance(phantoms[0].ref, path.join(folder, 'big.dcm')))).kind).toBe('too-large');
    expect((await readdir(folder)).sort()).toEqual(['0.dcm', '1.dcm']);
  });

  it('stores by STOW-RS, reads back what it stored, and names what the archive refused', async () => {
    const target = phantoms[0].ref;
    const result = synthetic({ patientId: 'P-RESULT', studyUid: target.studyInstanceUid, modality: 'SR' });
    const bytes = syntheticDicom(result);
    expect(await client.store([bytes], target.studyInstanceUid)).toEqual({ stored: [result.sopUid], failed: [] });
    const ref = { studyInstanceUid: result.studyUid, seriesInstanceUid: result.seriesUid, sopInstanceUid: result.sopUid };
    expect(await client.instanceExists(ref)).toBe(true);
    const file = path.join(work, 'stored.dcm');
    await client.retrieveInstance(ref, file);
    expect(Buffer.compare(await readFile(file), bytes)).toBe(0);

    // Into another study: Orthanc refuses the object (0110H) and stores the one that belongs.
    const stranger = synthetic({ patientId: 'P-OTHER' });
    const belongs = synthetic({ patientId: 'P-RESULT', studyUid: target.studyInstanceUid, modality: 'SR' });
    const mixed = await client.store([syntheticDicom(stranger), syntheticDicom(belongs)], target.studyInstanceUid);
    expect(mixed).toEqual({ stored: [belongs.sopUid], failed: [{ sopInstanceUid: stranger.sopUid, reason: 'processing failure (0110H)' }] });
    expect(await client.instanceExists({ studyInstanceUid: stranger.studyUid, seriesInstanceUid: stranger.seriesUid, sopInstanceUid: stranger.sopUid })).toBe(false);
    expect(await client.store([])).toEqual({ stored: [], failed: [] });
    await expect(client.store([new Uint8Array(10)])).rejects.toThrow(/not DICOM/);
  });

  describeWithSharedData('real radiographs', () => {
    it('come back byte for byte in their own transfer syntax (JPEG, JPEG 2000, JPEG-LS, RLE, 7.5 MB uncompressed)', async () => {
      const files = [
        sharedFile('siim', '1.2.276.0.7230010.3.1.4.8323329.301.1517875162.280319.dcm'),
        sharedFile('cxr', 'RG1_J2KI.dcm'),
        sharedFile('codecs', 'RG2_JLSL.dcm'),
        sharedFile('codecs', 'RG2_RLE.dcm'),
        sharedFile('codecs', 'RG2_UNC.dcm'),
      ];
      for (const source of files) {
        const bytes = new Uint8Array(await readFile(source));
        await orthanc.upload(bytes);
        const target = path.join(work, `real-${path.basename(source)}`);
        expect(await client.retrieveInstance(refOf(bytes), target)).toEqual({ bytes: bytes.length });
        expect(Buffer.compare(await readFile(target), bytes)).toBe(0);
      }
    });
  });

  it('says the PACS cannot be reached when Orthanc is stopped', async () => {
    await orthanc.stop();
    const error = await pacsError(client.verify());
    expect(error.kind).toBe('connection');
    expect(error.message).toContain(new URL(orthanc.restUrl).host);
    expect(error.message).not.toContain(orthanc.password);
    await orthanc.start();
    expect((await client.searchInstances(phantoms[0].ref.studyInstanceUid)).length).toBeGreaterThan(0);
  });
});

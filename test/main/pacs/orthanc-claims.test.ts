// Exactly-once work claims kept as Orthanc instance metadata: the pure parts, then races on a real Orthanc.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PacsError } from '../../../main/pacs/pacs-error';
import {
  CLAIM_METADATA_INDEX,
  claimStanding,
  claimsSupported,
  createOrthancClaims,
  detectOrthanc,
  orthancRestUrl,
  parseClaim,
  parseOrthancNow,
  type ClaimRecord,
} from '../../../main/pacs/orthanc-claims';
import type { DicomwebAuth, InstanceRef } from '../../../main/pacs/peers';
import type { WorkClaims } from '../../../main/pacs/work-claims';
import { newUid } from '../../../main/phantoms/dicom';
import { ORTHANC_MISSING, orthancAvailable, startOrthanc, type OrthancServer } from '../../fixtures/orthanc';
import { syntheticDicom } from '../../fixtures/synthetic-dicom';

describe('claims, the pure parts', () => {
  it('derives Orthanc\'s REST root from its DICOMweb URL', () => {
    expect(orthancRestUrl('http://pacs:8042/dicom-web')).toBe('http://pacs:8042');
    expect(orthancRestUrl('https://pacs/orthanc/dicom-web/')).toBe('https://pacs/orthanc');
    expect(orthancRestUrl('http://pacs:8080/dcm4chee-arc/aets/DCM4CHEE/rs')).toBeNull();
    expect(orthancRestUrl('http://pacs/dicom-web/extra')).toBeNull();
  });

  it('uses claims only on an Orthanc that checks revisions', () => {
    expect(claimsSupported({ Version: '1.10.1', CheckRevisions: true })).toBe(true);
    expect(claimsSupported({ Version: '1.10.1', CheckRevisions: false })).toBe(false);
    expect(claimsSupported({ Version: '1.10.1' })).toBe(false);
    expect(claimsSupported({ CheckRevisions: true })).toBe(false);
    expect(claimsSupported(null)).toBe(false);
    expect(claimsSupported('Orthanc')).toBe(false);
  });

  it('reads only well-formed Pleura claims', () => {
    const claim: ClaimRecord = { pleura: 1, holder: 'ws-1', state: 'claimed', expiresAt: '2026-01-01T00:00:00.000Z' };
    expect(parseClaim(JSON.stringify(claim))).toEqual(claim);
    expect(parseClaim(JSON.stringify({ ...claim, state: 'done', resultVersion: 'v2' }))).toEqual({ ...claim, state: 'done', resultVersion: 'v2' });
    for (const bad of [{ ...claim, pleura: 2 }, { ...claim, holder: 3 }, { ...claim, state: 'maybe' }, { ...claim, expiresAt: 'soon' }, { ...claim, resultVersion: 1 }, null, [claim]]) {
      expect(parseClaim(JSON.stringify(bad))).toBeNull();
    }
    expect(parseClaim('{"pleura": 1')).toBeNull();
    expect(parseClaim('some other application\'s value')).toBeNull();
  });

  it('tells done, mine, lapsed and taken apart', () => {
    const now = new Date('2026-01-01T12:00:00Z');
    const claim = (holder: string, expiresAt: string, state: ClaimRecord['state'] = 'claimed'): ClaimRecord => ({ pleura: 1, holder, state, expiresAt });
    expect(claimStanding(claim('a', '2026-01-01T12:00:01Z'), 'a', now)).toBe('mine');
    expect(claimStanding(claim('a', '2026-01-01T12:00:01Z'), 'b', now)).toBe('taken');
    expect(claimStanding(claim('a', '2026-01-01T12:00:00Z'), 'b', now)).toBe('lapsed');
    expect(claimStanding(claim('a', '2026-01-01T11:00:00Z'), 'a', now)).toBe('lapsed');
    expect(claimStanding(claim('a', '2099-01-01T00:00:00Z', 'done'), 'b', now)).toBe('done');
  });

  it('reads Orthanc\'s clock', () => {
    expect(parseOrthancNow('20261203T223356')?.toISOString()).toBe('2026-12-03T22:33:56.000Z');
    expect(parseOrthancNow('20261203T223356\n')?.toISOString()).toBe('2026-12-03T22:33:56.000Z');
    expect(parseOrthancNow('2026-12-03T22:33:56')).toBeNull();
    expect(parseOrthancNow('<html>')).toBeNull();
  });
});

if (!orthancAvailable()) console.warn(ORTHANC_MISSING);

describe.skipIf(!orthancAvailable())('claims on Orthanc', () => {
  let orthanc: OrthancServer;
  let auth: DicomwebAuth;
  let claims: WorkClaims;
  const refs: InstanceRef[] = [];

  beforeAll(async () => {
    orthanc = await startOrthanc();
    auth = { kind: 'basic', user: orthanc.user, password: orthanc.password };
    claims = createOrthancClaims({ restUrl: orthanc.restUrl, auth });
    for (let k = 0; k < 6; k++) {
      const ref = { studyInstanceUid: newUid(), seriesInstanceUid: newUid(), sopInstanceUid: newUid() };
      await orthanc.upload(syntheticDicom({ patientId: `C${k}`, studyUid: ref.studyInstanceUid, seriesUid: ref.seriesInstanceUid, sopUid: ref.sopInstanceUid }));
      refs.push(ref);
    }
  });

  afterAll(async () => {
    await orthanc?.close();
  });

  /** A second workstation: its own client, as another process would have. */
  const other = () => createOrthancClaims({ restUrl: `${orthanc.restUrl}/`, auth });

  it('detects an Orthanc that can hold claims, and nothing else', async () => {
    expect(await detectOrthanc(orthanc.restUrl, auth)).toBe(true);
    expect(await detectOrthanc(orthanc.restUrl, { kind: 'basic', user: orthanc.user, password: 'wrong' })).toBe(false);
    expect(await detectOrthanc(orthanc.dicomwebUrl, auth)).toBe(false);
    expect(await detectOrthanc('http://127.0.0.1:1', auth)).toBe(false);
    const controller = new AbortController();
    controller.abort();
    await expect(detectOrthanc(orthanc.restUrl, auth, controller.signal)).rejects.toMatchObject({ kind: 'cancelled' });
  });

  it('lets exactly one of several simultaneous holders claim an instance', async () => {
    const holders = ['ws-a', 'ws-b', 'ws-c', 'ws-d'];
    const outcomes = await Promise.all(holders.map((holder) => other().claim(refs[0], holder, 60_000)));
    expect(outcomes.filter((o) => o === 'claimed')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'taken')).toHaveLength(3);
    const winner = holders[outcomes.indexOf('claimed')];
    // the winner may claim again (renewing), the others still find it taken
    expect(await claims.claim(refs[0], winner, 60_000)).toBe('claimed');
    expect(await claims.claim(refs[0], holders.find((h) => h !== winner)!, 60_000)).toBe('taken');
  });

  it('lets exactly one of two holders take over an expired claim', async () => {
    expect(await claims.claim(refs[1], 'dead-node', 0)).toBe('claimed');
    const outcomes = await Promise.all([other().claim(refs[1], 'ws-a', 60_000), other().claim(refs[1], 'ws-b', 60_000)]);
    expect(outcomes.sort()).toEqual(['claimed', 'taken']);
    expect(await claims.claim(refs[1], 'dead-node', 60_000)).toBe('taken');
  });

  it('reports a finished instance as done to everyone, and refuses to finish another holder\'s live claim', async () => {
    expect(await claims.claim(refs[2], 'ws-a', 60_000)).toBe('claimed');
    const refused = await claims.finish(refs[2], 'ws-b', 'v1').then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(PacsError);
    expect((refused as PacsError).kind).toBe('conflict');
    await claims.finish(refs[2], 'ws-a', 'v1');
    expect(await Promise.all([claims.claim(refs[2], 'ws-b', 60_000), claims.claim(refs[2], 'ws-a', 60_000)])).toEqual(['done', 'done']);
    // a later version (a radiologist's review) is recorded over the finished claim
    await claims.finish(refs[2], 'ws-b', 'v2');
    const stored = await fetch(`${orthanc.restUrl}/instances/${(await orthanc.instances()).find((i) => i.MainDicomTags.SOPInstanceUID === refs[2].sopInstanceUid).ID}/metadata/${CLAIM_METADATA_INDEX}`, {
      headers: { authorization: `Basic ${Buffer.from(`${orthanc.user}:${orthanc.password}`).toString('base64')}` },
    });
    expect(parseClaim(await stored.text())).toMatchObject({ state: 'done', holder: 'ws-b', resultVersion: 'v2' });
  });

  it('frees a released claim for others, and ignores a release by someone who does not hold it', async () => {
    expect(await claims.claim(refs[3], 'ws-a', 60_000)).toBe('claimed');
    await claims.release(refs[3], 'ws-b');
    expect(await claims.claim(refs[3], 'ws-b', 60_000)).toBe('taken');
    await claims.release(refs[3], 'ws-a');
    expect(await claims.claim(refs[3], 'ws-b', 60_000)).toBe('claimed');
    await claims.finish(refs[3], 'ws-b', 'v1');
    await claims.release(refs[3], 'ws-b');
    expect(await claims.claim(refs[3], 'ws-c', 60_000)).toBe('done');
  });

  it('names an unknown instance, and refuses an index another application uses', async () => {
    const unknown = claims.claim({ ...refs[4], sopInstanceUid: newUid() }, 'ws-a', 60_000);
    await expect(unknown).rejects.toMatchObject({ kind: 'not-found' });
    const id = (await orthanc.instances()).find((i) => i.MainDicomTags.SOPInstanceUID === refs[4].sopInstanceUid).ID;
    const put = await fetch(`${orthanc.restUrl}/instances/${id}/metadata/5000`, {
      method: 'PUT',
      headers: { authorization: `Basic ${Buffer.from(`${orthanc.user}:${orthanc.password}`).toString('base64')}` },
      body: 'someone else',
    });
    expect(put.status).toBe(200);
    const foreign = createOrthancClaims({ restUrl: orthanc.restUrl, auth, metadataIndex: 5000 }).claim(refs[4], 'ws-a', 60_000);
    await expect(foreign).rejects.toMatchObject({ kind: 'protocol', message: expect.stringMatching(/not a Pleura claim/) });
    expect(() => createOrthancClaims({ restUrl: orthanc.restUrl, auth, metadataIndex: 1023 })).toThrow(RangeError);
  });

  it('refuses to claim on an Orthanc that does not check revisions, where claims would not be exclusive', async () => {
    const loose = await startOrthanc({ checkRevisions: false });
    try {
      const looseAuth: DicomwebAuth = { kind: 'basic', user: loose.user, password: loose.password };
      expect(await detectOrthanc(loose.restUrl, looseAuth)).toBe(false);
      const attempt = createOrthancClaims({ restUrl: loose.restUrl, auth: looseAuth }).claim(refs[5], 'ws-a', 60_000);
      await expect(attempt).rejects.toMatchObject({ kind: 'refused' });
    } finally {
      await loose.close();
    }
  });
});

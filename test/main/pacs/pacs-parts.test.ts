// The PACS service's small parts, by hand: which instances are worth retrieving, where the secret comes from, what
// pacs.sqlite remembers across a restart, where a poll starts and when its cursor moves, and how settings connect.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_PACS_SETTINGS, openPacsSettings, PACS_SETTINGS_FILE } from '../../../main/pacs/pacs-settings';
import { connectPacs } from '../../../main/pacs/connect';
import { PacsError } from '../../../main/pacs/pacs-error';
import { PacsJobProgress } from '../../../main/pacs/pacs-job';
import { openPacsState } from '../../../main/pacs/pacs-state';
import type { InstanceMatch, StudyQuery } from '../../../main/pacs/peers';
import { pollOnce } from '../../../main/pacs/poll';
import { isTriageCandidate, type QueryRetrieve } from '../../../main/pacs/query-retrieve';
import { environmentSecrets, osEncryptedSecrets } from '../../../main/pacs/secrets';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'pleura-pacs-parts-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const instance = (modality: string | null, manufacturer: string | null = null): InstanceMatch => ({
  studyInstanceUid: '1.2',
  seriesInstanceUid: '1.2.3',
  sopInstanceUid: '1.2.3.4',
  sopClassUid: null,
  modality,
  manufacturer,
});

describe('what is retrieved for triage', () => {
  it('radiographs (CR, DX, DR, or no modality given) and never what Pleura itself sent', () => {
    expect(['CR', 'DX', 'DR', 'dx ', null].map((modality) => isTriageCandidate(instance(modality)))).toEqual([true, true, true, true, true]);
    expect(['CT', 'SR', 'SEG', 'OT'].map((modality) => isTriageCandidate(instance(modality)))).toEqual([false, false, false, false]);
    expect(isTriageCandidate(instance('CR', 'Pleura'))).toBe(false);
    expect(isTriageCandidate(instance('CR', 'Acme'))).toBe(true);
  });
});

describe('the PACS secret', () => {
  it('comes from PLEURA_PACS_PASSWORD in serve and the CLI, which store nothing', async () => {
    expect(environmentSecrets({}).info()).toEqual({ present: false, source: null, canStore: false });
    const secrets = environmentSecrets({ PLEURA_PACS_PASSWORD: 'pw' });
    expect(secrets.get()).toBe('pw');
    expect(secrets.info()).toEqual({ present: true, source: 'environment', canStore: false });
    await expect(secrets.set('other')).rejects.toThrow(/PLEURA_PACS_PASSWORD/);
  });

  it("is kept encrypted by the OS in the workstation; one that no longer decrypts reads as none; the environment wins", async () => {
    const encryption = { isAvailable: () => true, encrypt: (text: string) => Buffer.from(`enc:${text}`), decrypt: (bytes: Uint8Array) => Buffer.from(bytes).toString().replace(/^enc:/, '') };
    const secrets = osEncryptedSecrets(dir, encryption, {});
    await secrets.set('s3cret');
    expect(secrets.get()).toBe('s3cret');
    writeFileSync(path.join(dir, 'pacs-secret.bin'), 'garbage');
    const broken = osEncryptedSecrets(dir, { ...encryption, decrypt: () => { throw new Error('wrong key'); } }, {});
    expect(broken.get()).toBeNull();
    expect(osEncryptedSecrets(dir, encryption, { PLEURA_PACS_PASSWORD: 'override' }).get()).toBe('override');
    const unavailable = osEncryptedSecrets(dir, { ...encryption, isAvailable: () => false }, {});
    await expect(unavailable.set('x')).rejects.toThrow(/not available/);
  });
});

describe('pacs.sqlite', () => {
  it('keeps the holder, what came from a PACS, what was sent and the poll cursor across a restart', () => {
    const ref = { studyInstanceUid: '1.2', seriesInstanceUid: '1.2.3', sopInstanceUid: '1.2.3.4' };
    const first = openPacsState(dir);
    const holder = first.holder();
    first.markReceived(ref, 'dicomweb', '/cache/x.dcm');
    first.markPushed(ref.sopInstanceUid, 'v1', [{ kind: 'structured-report', sopInstanceUid: '2.25.1', seriesInstanceUid: '2.25.2' }]);
    first.markPushed(ref.sopInstanceUid, 'v2', [
      { kind: 'secondary-capture', sopInstanceUid: '2.25.3', seriesInstanceUid: '2.25.4' },
      { kind: 'structured-report', sopInstanceUid: '2.25.5', seriesInstanceUid: '2.25.6' },
    ]);
    first.setPollCursor('dicomweb', { lastPollAt: '2026-12-03T00:00:00.000Z', fromDate: '20261202' });
    first.close();

    const again = openPacsState(dir);
    expect(again.holder()).toBe(holder);
    expect(again.isReceived(ref.sopInstanceUid)).toBe(true);
    expect(again.received(['1.2']).get(ref.sopInstanceUid)).toEqual({ source: 'dicomweb', path: '/cache/x.dcm' });
    expect(again.receivedStudies()).toEqual(['1.2']);
    expect(again.pushed(ref.sopInstanceUid, 'v1')).toHaveLength(1);
    expect(again.pushed(ref.sopInstanceUid, 'v3')).toBeNull();
    expect(again.latestPush(ref.sopInstanceUid)?.version).toBe('v2');
    expect(again.sentObjectCount('1.2')).toBe(3);
    expect(again.pollCursor('dicomweb')).toEqual({ lastPollAt: '2026-12-03T00:00:00.000Z', fromDate: '20261202' });
    expect(again.pollCursor('peer')).toBeNull();
    again.close();
    expect(openPacsState(mkdtempSync(path.join(dir, 'other-'))).holder()).not.toBe(holder);
  });
});

describe('a poll', () => {
  function source(): QueryRetrieve & { queries: StudyQuery[] } {
    const queries: StudyQuery[] = [];
    return {
      name: 'dicomweb',
      queries,
      verify: async () => ({ ms: 1 }),
      searchStudies: async (query) => {
        queries.push(query);
        return [{ studyInstanceUid: '1.9', patientId: null, patientName: null, studyDate: null, studyTime: null, accessionNumber: null, studyDescription: null, modalities: ['CR'], instanceCount: 1 }];
      },
      listInstances: async () => [],
      retrieve: async () => {},
    };
  }
  const now = () => new Date(2026, 11, 3, 10, 0, 0);

  it('starts where it is told, or everywhere on a first sync; its cursor then lies a day before it began', async () => {
    const state = openPacsState(dir);
    const qr = source();
    const ran: string[][] = [];
    await pollOnce({ source: qr, state, progress: new PacsJobProgress('poll', 'dicomweb', null), firstFrom: null, run: async (uids) => void ran.push(uids), now });
    expect(qr.queries[0]).toEqual({ modalities: ['CR', 'DX'] });
    expect(ran).toEqual([['1.9']]);
    expect(state.pollCursor('dicomweb')?.fromDate).toBe('20261202');
    await pollOnce({ source: qr, state, progress: new PacsJobProgress('poll', 'dicomweb', null), firstFrom: null, run: async () => {}, now });
    expect(qr.queries[1]).toEqual({ from: '20261202', modalities: ['CR', 'DX'] });
    state.close();
  });

  it('that met an error keeps its cursor, so the next one repeats it', async () => {
    const state = openPacsState(dir);
    const progress = new PacsJobProgress('poll', 'dicomweb', null);
    await pollOnce({ source: source(), state, progress, firstFrom: '20261201', run: async () => progress.error(null, new Error('Orthanc went away')), now });
    expect(state.pollCursor('dicomweb')).toBeNull();
    state.close();
  });
});

describe('connections from the settings', () => {
  it('name what is missing: no PACS, no such peer, no password', () => {
    expect(() => connectPacs(DEFAULT_PACS_SETTINGS, null).endpoints(null)).toThrow(/no PACS is configured/);
    expect(() => connectPacs(DEFAULT_PACS_SETTINGS, null).endpoints('dicomweb')).toThrow(/no DICOMweb server is configured/);
    expect(() => connectPacs(DEFAULT_PACS_SETTINGS, null).endpoints('archive')).toThrow(/no DIMSE peer is named "archive"/);
    const basic = { ...DEFAULT_PACS_SETTINGS, dicomweb: { url: 'http://127.0.0.1:9/dicom-web', auth: 'basic' as const, user: 'u' } };
    const error = (() => {
      try {
        connectPacs(basic, null).endpoints(null);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(PacsError);
    expect((error as PacsError).kind).toBe('authentication');
    expect(connectPacs(basic, 'pw').endpoints(null).source.name).toBe('dicomweb');
    const peer = { name: 'archive', aeTitle: 'ARCHIVE', host: '127.0.0.1', port: 104, retrieve: 'get' as const };
    const both = connectPacs({ ...basic, dimsePeers: [peer] }, 'pw').endpoints('archive');
    // Retrieved from the peer; results to the DICOMweb server, where the reading happens.
    expect([both.source.name, both.sink?.name]).toEqual(['archive', 'dicomweb']);
  });

  it('come from pacs.json, where a value that no longer fits reads as the default', async () => {
    writeFileSync(path.join(dir, PACS_SETTINGS_FILE), JSON.stringify({ aeTitle: 'A\\B', pushResults: false, polling: { enabled: true, intervalMinutes: 0 } }));
    const settings = openPacsSettings(dir).get();
    expect(settings).toEqual({ ...DEFAULT_PACS_SETTINGS, pushResults: false });
  });
});

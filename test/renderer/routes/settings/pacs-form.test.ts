import { describe, expect, it } from 'vitest';
import { PacsSettings } from '../../../../main/api/contract';
import { draftSettings, isUnchanged, newPeer, pacsDraft, parseAeTitleList, type PacsDraft } from '../../../../renderer/routes/settings/pacs-form';

const saved: PacsSettings = {
  dicomweb: { url: 'https://pacs.example/dicom-web', auth: 'basic', user: 'reader' },
  dimsePeers: [{ name: 'MAIN', aeTitle: 'ORTHANC', host: '10.0.0.5', port: 4242, retrieve: 'move' }],
  aeTitle: 'PLEURA',
  listener: { enabled: true, port: 11112, maxAssociations: 4, allowedCallers: ['CR ROOM 1', 'DX2'], allInterfaces: false },
  polling: { enabled: true, intervalMinutes: 5 },
  pushResults: false,
};

function edited(patch: (draft: PacsDraft) => void): PacsDraft {
  const draft = structuredClone(pacsDraft(saved));
  patch(draft);
  return draft;
}

describe('the PACS settings as a form', () => {
  it('shows every number and list as text', () => {
    const draft = pacsDraft(saved);
    expect(draft.peers[0].port).toBe('4242');
    expect(draft.listener).toEqual({ enabled: true, port: '11112', maxAssociations: '4', allowedCallers: 'CR ROOM 1, DX2', allInterfaces: false });
    expect(draft.polling.intervalMinutes).toBe('5');
    expect(draft.url).toBe('https://pacs.example/dicom-web');
  });

  it('gives back exactly the settings it was made from, which the contract accepts', () => {
    const check = draftSettings(pacsDraft(saved));
    expect(check).toEqual({ ok: true, settings: saved });
    expect(isUnchanged(pacsDraft(saved), saved)).toBe(true);
    if (check.ok) expect(PacsSettings.safeParse(check.settings).success).toBe(true);
  });

  it('trims what was typed, and an empty URL means no DICOMweb server', () => {
    const check = draftSettings(edited((d) => {
      d.url = '  ';
      d.aeTitle = ' PLEURA2 ';
      d.peers[0].host = ' pacs.local ';
      d.listener.port = ' 104 ';
    }));
    expect(check.ok && check.settings.dicomweb).toBe(null);
    expect(check.ok && check.settings.aeTitle).toBe('PLEURA2');
    expect(check.ok && check.settings.dimsePeers[0].host).toBe('pacs.local');
    expect(check.ok && check.settings.listener.port).toBe(104);
  });

  it('keeps a user name for basic authentication only', () => {
    const bearer = draftSettings(edited((d) => (d.auth = 'bearer')));
    expect(bearer.ok && bearer.settings.dicomweb).toEqual({ url: 'https://pacs.example/dicom-web', auth: 'bearer', user: '' });
    expect(isUnchanged(edited((d) => (d.auth = 'bearer')), saved)).toBe(false);
  });

  it('names the first number that is not a whole number in range', () => {
    expect(draftSettings(edited((d) => (d.listener.port = '70000')))).toEqual({ ok: false, problem: 'The listener port must be a whole number from 1 to 65535.' });
    expect(draftSettings(edited((d) => (d.listener.maxAssociations = '2.5')))).toEqual({ ok: false, problem: 'Associations at once must be a whole number from 1 to 64.' });
    expect(draftSettings(edited((d) => (d.polling.intervalMinutes = '')))).toEqual({ ok: false, problem: 'The polling interval must be a whole number from 1 to 1440.' });
    expect(draftSettings(edited((d) => (d.peers[0].port = '0x10')))).toEqual({ ok: false, problem: 'The port of peer "MAIN" must be a whole number from 1 to 65535.' });
    expect(draftSettings(edited((d) => d.peers.push({ ...newPeer, port: '-1' })))).toEqual({ ok: false, problem: 'The port of peer 2 must be a whole number from 1 to 65535.' });
    expect(isUnchanged(edited((d) => (d.listener.port = 'x')), saved)).toBe(false);
  });

  it('adds a peer on DICOM’s registered port, retrieving with C-GET', () => {
    const check = draftSettings(edited((d) => d.peers.push({ ...newPeer, name: 'B', aeTitle: 'B', host: 'b' })));
    expect(check.ok && check.settings.dimsePeers[1]).toEqual({ name: 'B', aeTitle: 'B', host: 'b', port: 104, retrieve: 'get' });
  });
});

describe('a list of AE titles as typed', () => {
  it('splits on commas and line breaks, keeps spaces inside a title, drops blanks and repeats', () => {
    expect(parseAeTitleList(' CR ROOM 1 ,DX2\nDX2,, \n')).toEqual(['CR ROOM 1', 'DX2']);
    expect(parseAeTitleList('')).toEqual([]);
  });
});

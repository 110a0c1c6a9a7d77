// The PACS settings as a form: every number and list as typed, turned back into the settings the service takes.
// Numbers are checked here, so the panel can name the field that is wrong before anything is sent; the rest (URL,
// AE titles, host names, unique peer names) the service checks, and the panel shows its message.
import type { DimsePeerSetting, PacsSettings } from '../../../main/api/contract';

export type PacsAuth = NonNullable<PacsSettings['dicomweb']>['auth'];
export type PeerDraft = Omit<DimsePeerSetting, 'port'> & { port: string };
export type PacsDraft = {
  /** blank: no DICOMweb server */
  url: string;
  auth: PacsAuth;
  user: string;
  aeTitle: string;
  peers: PeerDraft[];
  listener: { enabled: boolean; port: string; maxAssociations: string; allowedCallers: string; allInterfaces: boolean };
  polling: { enabled: boolean; intervalMinutes: string };
  pushResults: boolean;
};
export type DraftCheck = { ok: true; settings: PacsSettings } | { ok: false; problem: string };

/** 104 is DICOM's registered port; most PACS listen on it or on 11112. */
export const newPeer: PeerDraft = { name: '', aeTitle: '', host: '', port: '104', retrieve: 'get' };

export function pacsDraft(settings: PacsSettings): PacsDraft {
  const { dicomweb, listener, polling } = settings;
  return {
    url: dicomweb?.url ?? '',
    auth: dicomweb?.auth ?? 'none',
    user: dicomweb?.user ?? '',
    aeTitle: settings.aeTitle,
    peers: settings.dimsePeers.map((peer) => ({ ...peer, port: String(peer.port) })),
    listener: {
      enabled: listener.enabled,
      port: String(listener.port),
      maxAssociations: String(listener.maxAssociations),
      allowedCallers: listener.allowedCallers.join(', '),
      allInterfaces: listener.allInterfaces,
    },
    polling: { enabled: polling.enabled, intervalMinutes: String(polling.intervalMinutes) },
    pushResults: settings.pushResults,
  };
}

/** True when saving the draft would change nothing. */
export function isUnchanged(draft: PacsDraft, saved: PacsSettings): boolean {
  const check = draftSettings(draft);
  return check.ok && JSON.stringify(check.settings) === JSON.stringify(saved);
}

/** The settings a draft stands for, or the first number that is not one, in words. */
export function draftSettings(draft: PacsDraft): DraftCheck {
  const problems: string[] = [];
  const whole = (text: string, name: string, min: number, max: number): number => {
    const value = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
    if (!(value >= min && value <= max)) problems.push(`${name} must be a whole number from ${min} to ${max}.`);
    return value;
  };
  const url = draft.url.trim();
  const settings: PacsSettings = {
    // The user name belongs to basic authentication only; a token or no authentication has none.
    dicomweb: url === '' ? null : { url, auth: draft.auth, user: draft.auth === 'basic' ? draft.user.trim() : '' },
    dimsePeers: draft.peers.map((peer, i) => {
      const name = peer.name.trim();
      const port = whole(peer.port, `The port of ${name ? `peer "${name}"` : `peer ${i + 1}`}`, 1, 65535);
      return { name, aeTitle: peer.aeTitle.trim(), host: peer.host.trim(), port, retrieve: peer.retrieve };
    }),
    aeTitle: draft.aeTitle.trim(),
    listener: {
      enabled: draft.listener.enabled,
      port: whole(draft.listener.port, 'The listener port', 1, 65535),
      maxAssociations: whole(draft.listener.maxAssociations, 'Associations at once', 1, 64),
      allowedCallers: parseAeTitleList(draft.listener.allowedCallers),
      allInterfaces: draft.listener.allInterfaces,
    },
    polling: { enabled: draft.polling.enabled, intervalMinutes: whole(draft.polling.intervalMinutes, 'The polling interval', 1, 1440) },
    pushResults: draft.pushResults,
  };
  return problems.length > 0 ? { ok: false, problem: problems[0] } : { ok: true, settings };
}

/**
 * "MODALITY1, CR ROOM 2" → ['MODALITY1', 'CR ROOM 2']: AE titles separated by commas or line breaks (an AE title
 * may hold spaces, never a comma), leading and trailing spaces dropped as DICOM does, each listed once.
 */
export function parseAeTitleList(text: string): string[] {
  return [...new Set(text.split(/[,\n]/).map((part) => part.trim()).filter(Boolean))];
}

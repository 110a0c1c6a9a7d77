// The PACS connections: pacs.json in the data directory, beside settings.json and read the same way. No secret is
// ever in it: the password or token lives in the operating system's encrypted store or the environment (secrets.ts).
import path from 'node:path';
import { PacsSettings } from '../api/contract';
import { openJsonSettings, type JsonSettings } from '../settings/json-settings';

export const PACS_SETTINGS_FILE = 'pacs.json';

/** Nothing configured: no server, no peers; the listener and polling off until an administrator turns them on. */
export const DEFAULT_PACS_SETTINGS: PacsSettings = {
  dicomweb: null,
  dimsePeers: [],
  aeTitle: 'PLEURA',
  // 11112 is the registered port for DICOM over TCP without TLS (dicom-iscl's neighbour); 104 needs root.
  listener: { enabled: false, port: 11112, maxAssociations: 4, allowedCallers: [], allInterfaces: false },
  polling: { enabled: false, intervalMinutes: 5 },
  pushResults: true,
};

export type PacsSettingsStore = JsonSettings<PacsSettings>;

export function openPacsSettings(dataDir: string): PacsSettingsStore {
  return openJsonSettings(path.join(dataDir, PACS_SETTINGS_FILE), PacsSettings, DEFAULT_PACS_SETTINGS);
}

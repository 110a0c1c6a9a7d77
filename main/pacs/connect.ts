// From the PACS settings and the secret to the endpoints a job uses: the source it queries and retrieves from (the
// DICOMweb server, or a DIMSE peer by name), where results go (STOW-RS to the DICOMweb server when there is one, else
// C-STORE back to the peer), and the PACS's own claims (Orthanc's metadata, found on first use).
import type { PacsSettings } from '../api/contract';
import { PacsError } from './pacs-error';
import type { DicomwebAuth, DicomwebPeer, DimsePeer } from './peers';
import type { QueryRetrieve, ResultSink } from './query-retrieve';
import { dicomwebEndpoints } from './dicomweb-endpoints';
import { dimseEndpoints } from './dimse-endpoints';
import type { WorkClaims } from './work-claims';

export interface PacsEndpoints {
  source: QueryRetrieve;
  sink: ResultSink | null;
  claims: WorkClaims | null;
}

export interface PacsConnection {
  /** the named source ('dicomweb' or a DIMSE peer's name); the DICOMweb server, else the first peer, when null */
  endpoints(source: string | null): PacsEndpoints;
}

export const DICOMWEB_SOURCE = 'dicomweb';

export function dicomwebPeer(settings: NonNullable<PacsSettings['dicomweb']>, secret: string | null): DicomwebPeer {
  return { url: settings.url, auth: dicomwebAuth(settings.auth, settings.user, secret) };
}

export function dicomwebAuth(kind: 'none' | 'basic' | 'bearer', user: string, secret: string | null): DicomwebAuth {
  if (kind === 'none') return { kind };
  if (secret === null) {
    throw new PacsError('authentication', `the DICOMweb server needs a ${kind === 'basic' ? 'password' : 'token'} and none is kept: enter it in Settings → PACS, or set PLEURA_PACS_PASSWORD`);
  }
  return kind === 'basic' ? { kind, user, password: secret } : { kind, token: secret };
}

export function connectPacs(settings: PacsSettings, secret: string | null): PacsConnection {
  const dicomweb = () => (settings.dicomweb ? dicomwebEndpoints(dicomwebPeer(settings.dicomweb, secret)) : null);
  return {
    endpoints(source) {
      if (source === null || source === DICOMWEB_SOURCE) {
        const web = dicomweb();
        if (web) return web;
        if (source === DICOMWEB_SOURCE) throw new PacsError('not-found', 'no DICOMweb server is configured: add its URL in Settings → PACS');
      }
      const peer = source === null ? settings.dimsePeers[0] : settings.dimsePeers.find((candidate) => candidate.name === source);
      if (!peer) throw new PacsError('not-found', source === null ? 'no PACS is configured: add a DICOMweb server or a DIMSE peer in Settings → PACS' : `no DIMSE peer is named ${JSON.stringify(source)}`);
      const dimsePeer: DimsePeer = { aeTitle: peer.aeTitle, host: peer.host, port: peer.port, callingAeTitle: settings.aeTitle };
      const endpoints = dimseEndpoints(peer.name, dimsePeer, { method: peer.retrieve, moveDestination: { aeTitle: settings.aeTitle, port: settings.listener.port } });
      // Results go to the DICOMweb server where there is one: it is where the reading happens.
      return { ...endpoints, sink: dicomweb()?.sink ?? endpoints.sink };
    },
  };
}

// A DICOMweb client on plain fetch: QIDO-RS searches, WADO-RS retrieval to files, STOW-RS storage. Every failure is a
// PacsError (see http.ts); every byte from the peer is bounded and validated (UIDs before they go into a URL or a file).
import type { DicomwebPeer, InstanceMatch, InstanceRef, StudyMatch, StudyQuery } from '../peers';
import { MAX_INSTANCE_BYTES } from '../peers';
import { PacsError } from '../pacs-error';
import { instanceMatch, isDicomJsonObject, studyMatch, type DicomJsonObject } from './dicom-json';
import { connection, exchange, expectOk, MAX_JSON_BYTES, readCapped, readJson, statusError } from './http';
import { checkCount, checkUid, hasModality, instanceSearch, queryString, studySearches, type InstanceFilter, type QidoParams } from './qido';
import { instanceUrl, retrieveToFile } from './retrieve';
import { sopInstanceUidOf, stowOutcome, stowRequest, type StowOutcome } from './stow';

export type { InstanceFilter } from './qido';
export type { StowOutcome } from './stow';

export interface DicomwebClient {
  /** "Test connection": one QIDO-RS study search for a single match. */
  verify(signal?: AbortSignal): Promise<{ ms: number }>;
  searchStudies(query: StudyQuery, signal?: AbortSignal): Promise<StudyMatch[]>;
  /**
   * For polling: every study with StudyDate on or after `date` (YYYYMMDD), page by page to the end. QIDO cannot ask
   * "received since", and a study sent late keeps its old date, so the poller asks from a day or two before its last
   * poll and keeps what it has seen (by instance). Studies without a StudyDate never match a date range.
   */
  searchStudiesSince(date: string, options?: { modalities?: string[] }, signal?: AbortSignal): Promise<StudyMatch[]>;
  searchInstances(studyInstanceUid: string, filter?: InstanceFilter, signal?: AbortSignal): Promise<InstanceMatch[]>;
  /** WADO-RS into `file`, in its stored transfer syntax; the file appears whole or not at all. */
  retrieveInstance(ref: InstanceRef, file: string, signal?: AbortSignal): Promise<{ bytes: number }>;
  /** STOW-RS, into `studyInstanceUid` when given (the archive then refuses objects of other studies). */
  store(objects: Uint8Array[], studyInstanceUid?: string, signal?: AbortSignal): Promise<StowOutcome>;
  instanceExists(ref: InstanceRef, signal?: AbortSignal): Promise<boolean>;
}

export interface DicomwebLimits {
  /** default MAX_INSTANCE_BYTES */
  maxInstanceBytes?: number;
  /** QIDO and STOW answers; default 64 MiB */
  maxJsonBytes?: number;
  /** studies per QIDO request when paging; default QIDO_PAGE */
  pageSize?: number;
}

export const QIDO_PAGE = 500;
/** How many studies one search reads before it refuses (a date range too wide, a PACS that pages forever). */
export const MAX_SCANNED_STUDIES = 50_000;

export function createDicomwebClient(peer: DicomwebPeer, limits: DicomwebLimits = {}): DicomwebClient {
  const base = peer.url.replace(/\/+$/, '');
  const http = connection(base, peer.auth, peer.timeoutMs);
  const maxJsonBytes = limits.maxJsonBytes ?? MAX_JSON_BYTES;
  const maxInstanceBytes = limits.maxInstanceBytes ?? MAX_INSTANCE_BYTES;
  const pageSize = limits.pageSize ?? QIDO_PAGE;

  /** A QIDO-RS answer: a JSON array of objects (204 and an empty body are no matches). */
  async function qido(path: string, params: QidoParams, signal: AbortSignal | undefined): Promise<DicomJsonObject[]> {
    const search = queryString(params);
    const url = `${base}/${path}${search ? `?${search}` : ''}`;
    return exchange(http, url, { headers: { accept: 'application/dicom+json' } }, signal, async (response, body) => {
      expectOk(http, response);
      if (response.status === 204 || response.headers.get('content-length') === '0') return [];
      const answer = await readJson(response, body, maxJsonBytes, 'the search answer');
      if (!Array.isArray(answer)) throw new PacsError('protocol', 'the search answer is not a JSON array');
      return answer.filter(isDicomJsonObject);
    });
  }

  /**
   * The studies matching `query`, in the peer's order, merged over its searches by Study Instance UID: page by page
   * until `wanted` are found or the peer has no more.
   */
  async function collectStudies(query: Omit<StudyQuery, 'limit' | 'offset'>, wanted: number, signal: AbortSignal | undefined): Promise<StudyMatch[]> {
    const merged = new Map<string, StudyMatch>();
    const page = query.modalities?.length ? pageSize : Math.max(1, Math.min(pageSize, wanted));
    for (const params of studySearches(query)) {
      const seen = new Set<string>();
      for (let offset = 0; merged.size < wanted; offset += page) {
        const answer = await qido('studies', [...params, ['limit', String(page)], ['offset', String(offset)]], signal);
        const studies = answer.map(studyMatch).filter((s): s is StudyMatch => s !== null);
        const before = seen.size;
        for (const study of studies) {
          seen.add(study.studyInstanceUid);
          if (merged.size < wanted && hasModality(study, query.modalities) && !merged.has(study.studyInstanceUid)) merged.set(study.studyInstanceUid, study);
        }
        // A peer that ignores offset would send the same page forever: stop when nothing is new.
        if (answer.length < page || seen.size === before) break;
        if (seen.size > MAX_SCANNED_STUDIES) throw new PacsError('too-large', `more than ${MAX_SCANNED_STUDIES} studies match: narrow the search`);
      }
    }
    return [...merged.values()];
  }

  async function searchInstances(studyInstanceUid: string, filter: InstanceFilter = {}, signal?: AbortSignal): Promise<InstanceMatch[]> {
    checkUid(studyInstanceUid, 'studyInstanceUid');
    const found = await qido(`studies/${studyInstanceUid}/instances`, instanceSearch(filter), signal);
    return found.map(instanceMatch).filter((i): i is InstanceMatch => i !== null && i.studyInstanceUid === studyInstanceUid);
  }

  function checkRef(ref: InstanceRef): void {
    checkUid(ref.studyInstanceUid, 'studyInstanceUid');
    checkUid(ref.seriesInstanceUid, 'seriesInstanceUid');
    checkUid(ref.sopInstanceUid, 'sopInstanceUid');
  }

  return {
    async verify(signal) {
      const started = performance.now();
      await qido('studies', [['limit', '1']], signal);
      return { ms: Math.round(performance.now() - started) };
    },

    async searchStudies(query, signal) {
      checkCount(query.limit, 'limit');
      checkCount(query.offset, 'offset');
      const offset = query.offset ?? 0;
      const end = query.limit === undefined ? Infinity : offset + query.limit;
      return (await collectStudies(query, end, signal)).slice(offset, end);
    },

    async searchStudiesSince(date, options = {}, signal) {
      return collectStudies({ from: date, modalities: options.modalities }, Infinity, signal);
    },

    searchInstances,

    async retrieveInstance(ref, file, signal) {
      checkRef(ref);
      return retrieveToFile(http, instanceUrl(base, ref), file, maxInstanceBytes, signal);
    },

    async store(objects, studyInstanceUid, signal) {
      if (studyInstanceUid !== undefined) checkUid(studyInstanceUid, 'studyInstanceUid');
      if (objects.length === 0) return { stored: [], failed: [] };
      const sent = objects.map(sopInstanceUidOf);
      const request = stowRequest(objects);
      const url = studyInstanceUid ? `${base}/studies/${studyInstanceUid}` : `${base}/studies`;
      const init = { method: 'POST', headers: { 'content-type': request.contentType, accept: 'application/dicom+json' }, body: request.body };
      return exchange(http, url, init, signal, async (response, body) => {
        // 200: all stored; 202, 409 (and Orthanc's 400): some or all failed, and the answer says which.
        if (![200, 202, 400, 409].includes(response.status)) throw statusError(http, response);
        const text = (await readCapped(body, maxJsonBytes, 'the store answer')).toString('utf8');
        let answer: unknown;
        try {
          answer = JSON.parse(text);
        } catch {
          throw response.ok ? new PacsError('protocol', 'the store answer is not JSON', response.status) : statusError(http, response);
        }
        try {
          return stowOutcome(sent, answer);
        } catch (error) {
          throw response.ok ? error : statusError(http, response);
        }
      });
    },

    async instanceExists(ref, signal) {
      checkRef(ref);
      const found = await searchInstances(ref.studyInstanceUid, { sopInstanceUid: ref.sopInstanceUid }, signal);
      return found.some((i) => i.sopInstanceUid === ref.sopInstanceUid);
    },
  };
}

// Work claims kept in Orthanc itself, as instance metadata, so every workstation and headless node on one Orthanc
// agrees without any other shared service. Exclusivity comes from Orthanc's revisions (CheckRevisions: true): a
// metadata item that exists can only be replaced with If-Match on its current ETag, and creating one that already
// exists fails with 409 — so of two nodes that create or take over the same claim at once, exactly one succeeds
// (measured on Orthanc 1.10: of four simultaneous creations, one 200 and three 409). Times come from Orthanc's own
// clock (/tools/now), so workstations with drifting clocks still agree on when a claim has expired.
//
// The metadata is a numeric index (1024–65535 are free for users and need no UserMetadata configuration; names
// would). Its value is JSON: {"pleura": 1, "holder", "state": "claimed" | "done", "expiresAt", "resultVersion"?}.
import type { DicomwebAuth, InstanceRef } from './peers';
import { PacsError } from './pacs-error';
import { connection, type Connection, exchange, expectOk, readCapped, readJson } from './dicomweb/http';
import type { WorkClaims } from './work-claims';

/** The metadata index Pleura's claims live under unless told otherwise. */
export const CLAIM_METADATA_INDEX = 4242;
/** Creating or taking over races lost in a row before claim() gives up (each loss means another node moved). */
const MAX_ATTEMPTS = 5;
const MAX_CLAIM_BYTES = 64 * 1024;

export interface ClaimRecord {
  pleura: 1;
  holder: string;
  state: 'claimed' | 'done';
  /** ISO 8601, by Orthanc's clock */
  expiresAt: string;
  resultVersion?: string;
}

/** Orthanc's REST root for a DICOMweb URL that ends in /dicom-web (the plugin's default root), else null. */
export function orthancRestUrl(dicomwebUrl: string): string | null {
  const trimmed = dicomwebUrl.replace(/\/+$/, '');
  return /\/dicom-web$/i.test(trimmed) ? trimmed.replace(/\/dicom-web$/i, '') : null;
}

/** Whether GET /system describes an Orthanc on which claims are exclusive (revisions checked). */
export function claimsSupported(system: unknown): boolean {
  const value = system as { Version?: unknown; CheckRevisions?: unknown } | null;
  return typeof value?.Version === 'string' && value.CheckRevisions === true;
}

/**
 * True when `restUrl` is an Orthanc that can hold claims: GET /system answers with a Version and CheckRevisions on.
 * Anything else (another archive, an Orthanc without revisions, a refusal) is false and the caller falls back to
 * checking for existing results; only a cancellation is thrown.
 */
export async function detectOrthanc(restUrl: string, auth: DicomwebAuth, signal?: AbortSignal): Promise<boolean> {
  try {
    return claimsSupported(await getSystem(connection(restUrl, auth), restUrl, signal));
  } catch (error) {
    if (error instanceof PacsError && error.kind === 'cancelled') throw error;
    return false;
  }
}

async function getSystem(http: Connection, restUrl: string, signal?: AbortSignal): Promise<unknown> {
  return exchange(http, `${restUrl}/system`, {}, signal, async (response, body) => {
    expectOk(http, response);
    return readJson(response, body, MAX_CLAIM_BYTES, 'GET /system');
  });
}

/** A claim as stored, or null when the text is not one of Pleura's claims. */
export function parseClaim(text: string): ClaimRecord | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const record = value as Partial<ClaimRecord> | null;
  if (record?.pleura !== 1 || typeof record.holder !== 'string' || (record.state !== 'claimed' && record.state !== 'done')) return null;
  if (typeof record.expiresAt !== 'string' || Number.isNaN(Date.parse(record.expiresAt))) return null;
  if (record.resultVersion !== undefined && typeof record.resultVersion !== 'string') return null;
  return record as ClaimRecord;
}

/** What a stored claim means for `holder` at `now`. */
export function claimStanding(record: ClaimRecord, holder: string, now: Date): 'done' | 'mine' | 'lapsed' | 'taken' {
  if (record.state === 'done') return 'done';
  if (Date.parse(record.expiresAt) <= now.getTime()) return 'lapsed';
  return record.holder === holder ? 'mine' : 'taken';
}

/** Orthanc's /tools/now: UTC as YYYYMMDDTHHMMSS. */
export function parseOrthancNow(text: string): Date | null {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/.exec(text.trim());
  if (!match) return null;
  const [year, month, day, hours, minutes, seconds] = match.slice(1).map(Number);
  const at = new Date(Date.UTC(year, month - 1, day, hours, minutes, seconds));
  return Number.isNaN(at.getTime()) ? null : at;
}

interface StoredClaim {
  record: ClaimRecord;
  etag: string;
}

export interface OrthancClaimsOptions {
  restUrl: string;
  auth: DicomwebAuth;
  /** default CLAIM_METADATA_INDEX; 1024–65535 */
  metadataIndex?: number;
  timeoutMs?: number;
}

export function createOrthancClaims(options: OrthancClaimsOptions): WorkClaims {
  const restUrl = options.restUrl.replace(/\/+$/, '');
  const http = connection(restUrl, options.auth, options.timeoutMs);
  const index = options.metadataIndex ?? CLAIM_METADATA_INDEX;
  if (!Number.isInteger(index) || index < 1024 || index > 65535) throw new RangeError('the claim metadata index must be 1024–65535');
  let supported: Promise<void> | null = null;

  /** Once per client: claims on an Orthanc without revisions would not be exclusive, so none are made. */
  function checkSupported(signal?: AbortSignal): Promise<void> {
    supported ??= getSystem(http, restUrl, signal).then((system) => {
      if (!claimsSupported(system)) throw new PacsError('refused', 'this Orthanc does not check metadata revisions (CheckRevisions), so work claims would not be exclusive');
    });
    return supported.catch((error: unknown) => {
      supported = null;
      throw error;
    });
  }

  async function instanceId(ref: InstanceRef, signal?: AbortSignal): Promise<string> {
    const found = await exchange(http, `${restUrl}/tools/lookup`, { method: 'POST', body: ref.sopInstanceUid }, signal, async (response, body) => {
      expectOk(http, response);
      return readJson(response, body, MAX_CLAIM_BYTES, 'POST /tools/lookup');
    });
    const entry = Array.isArray(found) ? found.find((e) => (e as { Type?: unknown })?.Type === 'Instance') : undefined;
    const id = (entry as { ID?: unknown } | undefined)?.ID;
    if (typeof id !== 'string') throw new PacsError('not-found', `the PACS has no instance ${ref.sopInstanceUid}`);
    if (!/^[0-9a-f-]{1,64}$/.test(id)) throw new PacsError('protocol', 'POST /tools/lookup answered an invalid instance id');
    return id;
  }

  function metadataUrl(id: string): string {
    return `${restUrl}/instances/${id}/metadata/${index}`;
  }

  async function pacsNow(signal?: AbortSignal): Promise<Date> {
    const text = await exchange(http, `${restUrl}/tools/now`, {}, signal, async (response, body) => {
      expectOk(http, response);
      return (await readCapped(body, 256, 'GET /tools/now')).toString('latin1');
    });
    const now = parseOrthancNow(text);
    if (!now) throw new PacsError('protocol', 'GET /tools/now did not answer a date and time');
    return now;
  }

  async function read(id: string, signal?: AbortSignal): Promise<StoredClaim | null> {
    return exchange(http, metadataUrl(id), {}, signal, async (response, body) => {
      if (response.status === 404) return null;
      expectOk(http, response);
      const etag = response.headers.get('etag');
      if (!etag) throw new PacsError('protocol', 'the claim metadata came without an ETag (revision)');
      const record = parseClaim((await readCapped(body, MAX_CLAIM_BYTES, 'the claim metadata')).toString('utf8'));
      if (!record) throw new PacsError('protocol', `metadata ${index} of instance ${id} is not a Pleura claim: another application uses this index`);
      return { record, etag };
    });
  }

  /** Creates (no etag) or replaces the claim; false when another writer got there first. */
  async function write(id: string, record: ClaimRecord, etag: string | null, signal?: AbortSignal): Promise<boolean> {
    const headers: Record<string, string> = { 'content-type': 'text/plain' };
    if (etag) headers['if-match'] = etag;
    return exchange(http, metadataUrl(id), { method: 'PUT', headers, body: JSON.stringify(record) }, signal, async (response) => {
      if (response.status === 409 || response.status === 412) return false;
      expectOk(http, response);
      return true;
    });
  }

  async function remove(id: string, etag: string, signal?: AbortSignal): Promise<boolean> {
    return exchange(http, metadataUrl(id), { method: 'DELETE', headers: { 'if-match': etag } }, signal, async (response) => {
      if (response.status === 404) return true;
      if (response.status === 409 || response.status === 412) return false;
      expectOk(http, response);
      return true;
    });
  }

  function lostRace(): PacsError {
    return new PacsError('conflict', `the claim kept changing under ${MAX_ATTEMPTS} attempts`);
  }

  return {
    async claim(ref, holder, ttlMs, signal) {
      await checkSupported(signal);
      const id = await instanceId(ref, signal);
      const now = await pacsNow(signal);
      const mine: ClaimRecord = { pleura: 1, holder, state: 'claimed', expiresAt: new Date(now.getTime() + ttlMs).toISOString() };
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const current = await read(id, signal);
        if (current) {
          const standing = claimStanding(current.record, holder, now);
          if (standing === 'done' || standing === 'taken') return standing;
        }
        // Absent: create; lapsed or our own: replace at the revision just read.
        if (await write(id, mine, current?.etag ?? null, signal)) return 'claimed';
      }
      throw lostRace();
    },

    async finish(ref, holder, resultVersion, signal) {
      await checkSupported(signal);
      const id = await instanceId(ref, signal);
      const now = await pacsNow(signal);
      const done: ClaimRecord = { pleura: 1, holder, state: 'done', expiresAt: now.toISOString(), resultVersion };
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const current = await read(id, signal);
        if (current && claimStanding(current.record, holder, now) === 'taken') {
          throw new PacsError('conflict', `instance ${ref.sopInstanceUid} is claimed by ${current.record.holder}`);
        }
        if (await write(id, done, current?.etag ?? null, signal)) return;
      }
      throw lostRace();
    },

    async release(ref, holder, signal) {
      await checkSupported(signal);
      const id = await instanceId(ref, signal);
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const current = await read(id, signal);
        if (!current || current.record.state === 'done' || current.record.holder !== holder) return;
        if (await remove(id, current.etag, signal)) return;
      }
      throw lostRace();
    },
  };
}

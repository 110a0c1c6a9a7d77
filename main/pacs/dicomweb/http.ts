// One HTTP exchange with a PACS (DICOMweb or Orthanc's REST API): authentication, a timeout that the caller's signal
// can cut short, and every failure on the peer's side — unreachable host, silence, HTTP status, body past a cap — as
// a PacsError. The secret goes only into the Authorization header, never into a message.
import type { DicomwebAuth } from '../peers';
import { PacsError } from '../pacs-error';

export const DEFAULT_TIMEOUT_MS = 30_000;
/** QIDO and STOW answers: a study list of thousands of matches is a few MB. */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;

export interface Connection {
  /** host[:port], for messages */
  host: string;
  auth: DicomwebAuth;
  /** longest silence, waiting for the answer or between two chunks of its body */
  timeoutMs: number;
}

export function connection(url: string, auth: DicomwebAuth, timeoutMs = DEFAULT_TIMEOUT_MS): Connection {
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    // reported below without echoing the text, which may hold a password
  }
  // Configuration mistakes, not the peer's failures (a PacsError 'connection' would invite retrying).
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new RangeError('the PACS address is not an http:// or https:// URL');
  }
  if (parsed.username || parsed.password) {
    throw new RangeError('the PACS address must not contain a user name or password; set them as the authentication');
  }
  return { host: parsed.host, auth, timeoutMs };
}

function authorization(auth: DicomwebAuth): Record<string, string> {
  if (auth.kind === 'basic') return { authorization: `Basic ${Buffer.from(`${auth.user}:${auth.password}`, 'utf8').toString('base64')}` };
  if (auth.kind === 'bearer') return { authorization: `Bearer ${auth.token}` };
  return {};
}

function refusedCredentials(auth: DicomwebAuth): string {
  if (auth.kind === 'basic') return 'the PACS refused the user name and password';
  if (auth.kind === 'bearer') return 'the PACS refused the access token';
  return 'the PACS asks for a user name and password';
}

/** The PacsError for a response status that is not success. */
export function statusError(connection: Connection, response: Response): PacsError {
  const { status } = response;
  const where = `${connection.host} answered HTTP ${status}`;
  if (status === 401 || status === 403) return new PacsError('authentication', refusedCredentials(connection.auth), status);
  if (status === 404) return new PacsError('not-found', `${where}: not found`, status);
  if (status === 409 || status === 412) return new PacsError('conflict', `${where}: changed by someone else first`, status);
  if (status === 502 || status === 503 || status === 504) return new PacsError('connection', `${where}: busy or unavailable`, status);
  if (status >= 300 && status < 400) return new PacsError('protocol', `${where}: it redirects elsewhere; enter the address it leads to`, status);
  return new PacsError('protocol', `${where} (${response.statusText || 'unexpected status'})`, status);
}

export function expectOk(connection: Connection, response: Response): void {
  if (!response.ok) throw statusError(connection, response);
}

export type Consume<T> = (response: Response, body: AsyncIterable<Uint8Array>) => Promise<T>;

/**
 * Sends one request and lets `consume` read the answer under the same timeout (restarted by each chunk, so a long
 * download that keeps moving is not cut) and the same failure mapping. The body is released however consume ends.
 */
export async function exchange<T>(connection: Connection, url: string, init: RequestInit, signal: AbortSignal | undefined, consume: Consume<T>): Promise<T> {
  if (signal?.aborted) throw new PacsError('cancelled', 'cancelled');
  const silence = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const restartTimer = () => {
    clearTimeout(timer);
    timer = setTimeout(() => silence.abort(), connection.timeoutMs);
  };
  const combined = signal ? AbortSignal.any([signal, silence.signal]) : silence.signal;
  let response: Response | undefined;
  restartTimer();
  try {
    // Redirects are not followed: a POST would turn into a GET, and the credentials should go only where they were set.
    response = await fetch(url, { ...init, redirect: 'manual', headers: { ...authorization(connection.auth), ...(init.headers as Record<string, string>) }, signal: combined });
    const stream = response.body;
    const body: AsyncIterable<Uint8Array> = {
      async *[Symbol.asyncIterator]() {
        if (!stream) return;
        const reader = stream.getReader();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return;
            restartTimer();
            yield value;
          }
        } finally {
          // the consumer stopped early (a cap, the closing boundary) or failed: drop the rest
          await reader.cancel().catch(() => {});
        }
      },
    };
    return await consume(response, body);
  } catch (error) {
    throw failure(error, connection, signal, silence.signal, response !== undefined);
  } finally {
    clearTimeout(timer);
    // Unread (a status error) or left half-read (a cap, a second part): let the connection go.
    if (response?.body && !response.body.locked) await response.body.cancel().catch(() => {});
  }
}

/** The error to throw: fetch's own failures as PacsErrors; anything else (a full disk while writing) unchanged. */
function failure(error: unknown, connection: Connection, caller: AbortSignal | undefined, silence: AbortSignal, answered: boolean): unknown {
  if (error instanceof PacsError) return error;
  if (caller?.aborted) return new PacsError('cancelled', 'cancelled');
  if (silence.aborted) return new PacsError('connection', `${connection.host} did not answer within ${connection.timeoutMs / 1000} s`);
  // fetch reports an unreachable peer and a broken-off body as TypeError, with the socket's error as cause.
  if (!(error instanceof TypeError)) return error;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const reason = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : (error as Error)?.message;
  const detail = reason ? ` (${reason})` : '';
  return new PacsError('connection', answered ? `the connection to ${connection.host} broke off${detail}` : `could not reach ${connection.host}${detail}`);
}

/** The whole body, refused past `maxBytes` without reading further. */
export async function readCapped(body: AsyncIterable<Uint8Array>, maxBytes: number, what: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > maxBytes) throw new PacsError('too-large', `${what} is larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** A JSON answer (application/json or application/dicom+json), within `maxBytes`. */
export async function readJson(response: Response, body: AsyncIterable<Uint8Array>, maxBytes: number, what: string): Promise<unknown> {
  const type = response.headers.get('content-type') ?? '';
  if (!/^application\/(dicom\+)?json\s*(;|$)/i.test(type)) {
    throw new PacsError('protocol', `${what}: expected JSON, got ${type ? type.split(';')[0] : 'no content type'}`, response.status);
  }
  const text = (await readCapped(body, maxBytes, what)).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new PacsError('protocol', `${what}: the JSON is malformed`, response.status);
  }
}

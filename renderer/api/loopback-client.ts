// The client in a browser served by `pleura serve`: POST /api/<method> for calls (results in the wire format,
// typed arrays as raw bytes) and one WebSocket on /events for all events. In a browser the HttpOnly cookie
// carries the token; Node callers (tests, tools) pass it explicitly.
import type { ApiClient, ApiEvent, SerializedApiError } from '../../main/api/contract';
import { decodeWire } from '../../main/api/wire';
import { ApiCallError } from './call-error';

/** The part of a WebSocket the client uses; a browser WebSocket and a `ws` socket both have it. */
export interface EventSocket {
  onopen: (() => void) | null;
  onmessage: ((message: { data: unknown }) => void) | null;
  onclose: (() => void) | null;
  onerror: (() => void) | null;
  close(): void;
}

export interface LoopbackClientOptions {
  /** e.g. "http://127.0.0.1:4321"; in the page, its own origin. */
  baseUrl: string;
  /** Sent as a Bearer header; a page leaves it out and relies on its cookie. */
  token?: string;
  fetch?: typeof fetch;
  openSocket?: (url: string) => EventSocket;
  /** Delays before reconnecting the event socket: the first, then doubling up to the last. */
  reconnectMs?: { first: number; max: number };
}

export function createLoopbackClient(options: LoopbackClientOptions): ApiClient & { close(): void } {
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  const events = createEventStream(
    `${options.baseUrl.replace(/^http/, 'ws')}/events`,
    options.openSocket ?? ((url) => new WebSocket(url) as unknown as EventSocket),
    options.reconnectMs ?? { first: 500, max: 10_000 },
  );

  return {
    async invoke(method, args) {
      // A listener registered before a call must see that call's events: let its socket finish opening first.
      await events.ready();
      let response: Response;
      try {
        response = await fetchImpl(`${options.baseUrl}/api/${method}`, {
          method: 'POST',
          headers,
          body: JSON.stringify(args ?? {}),
          credentials: 'same-origin',
        });
      } catch (error) {
        throw new ApiCallError('unavailable', `the Pleura server cannot be reached (${(error as Error).message})`);
      }
      if (!response.ok) throw await errorOf(response);
      return decodeWire(await response.arrayBuffer()) as never;
    },
    on: events.on,
    close: events.close,
  };
}

async function errorOf(response: Response): Promise<ApiCallError> {
  const text = await response.text();
  try {
    const error = JSON.parse(text) as SerializedApiError;
    if (typeof error?.code === 'string' && typeof error.message === 'string') return new ApiCallError(error.code, error.message, error.details);
  } catch {
    // not JSON: described below
  }
  return new ApiCallError('failed', `HTTP ${response.status} ${response.statusText}: ${text.slice(0, 200)}`);
}

/** One socket shared by all listeners, opened with the first and closed with the last; reopened if it drops. */
function createEventStream(url: string, openSocket: (url: string) => EventSocket, reconnectMs: { first: number; max: number }) {
  const listeners = new Map<string, Set<(payload: never) => void>>();
  let socket: EventSocket | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let delay = reconnectMs.first;
  let opening: Promise<void> = Promise.resolve();

  function connect(): void {
    const current = openSocket(url);
    socket = current;
    let settle = () => {};
    opening = new Promise((resolve) => (settle = resolve));
    current.onopen = () => {
      delay = reconnectMs.first;
      settle();
    };
    current.onmessage = ({ data }) => {
      const { event, payload } = JSON.parse(typeof data === 'string' ? data : String(data)) as { event: string; payload: never };
      for (const listener of listeners.get(event) ?? []) listener(payload);
    };
    // A close follows every error; a `ws` socket without an error listener would throw instead.
    current.onerror = () => {};
    current.onclose = () => {
      settle();
      if (socket !== current || listeners.size === 0) return;
      socket = null;
      retry = setTimeout(() => {
        retry = null;
        connect();
      }, delay);
      delay = Math.min(delay * 2, reconnectMs.max);
    };
  }

  function close(): void {
    if (retry) clearTimeout(retry);
    retry = null;
    const current = socket;
    socket = null;
    current?.close();
  }

  return {
    on<E extends ApiEvent>(event: E, listener: (payload: never) => void): () => void {
      const forEvent = listeners.get(event) ?? new Set();
      listeners.set(event, forEvent.add(listener));
      if (!socket && !retry) connect();
      return () => {
        forEvent.delete(listener);
        if (forEvent.size === 0) listeners.delete(event);
        if (listeners.size === 0) close();
      };
    },
    /** Resolves once no socket is still opening (open, failed, or none wanted). */
    ready: () => opening,
    close,
  };
}

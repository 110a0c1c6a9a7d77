// `pleura serve`: the renderer and the API over HTTP + WebSocket on the loopback interface, for a browser.
// Every request passes the same gate (our Host, our Origin, the token) before anything else looks at it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIPv4 } from 'node:net';
import type { ApiHandlers } from '../../api/contract';
import { createDispatch, type DispatchOptions } from '../../api/dispatch';
import type { EventHub } from '../../api/events';
import { contentSecurityPolicy } from '../csp';
import { allowedHosts, createToken, isOwnRequest, presentedToken, tokenCookie, tokenCookieName, tokensEqual } from './access';
import { API_PREFIX, handleApiCall } from './api-route';
import { createEventSockets, refuseUpgrade } from './event-socket';
import { sendError } from './responses';
import { lookupStatic, sendFile } from './static-files';

export const EVENTS_PATH = '/events';

export interface LoopbackOptions extends DispatchOptions {
  handlers: ApiHandlers;
  events: EventHub;
  /** The built renderer (dist/renderer); without it only the API is served. */
  staticDir?: string;
  /** 0 or absent: a free port chosen by the system. */
  port?: number;
  /** A 127.x.x.x address; 127.0.0.1 when absent. */
  host?: string;
}

export interface LoopbackServer {
  /** The address to open, token included. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export async function startLoopbackServer(options: LoopbackOptions): Promise<LoopbackServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isIPv4(host) || !host.startsWith('127.')) throw new Error(`the loopback server binds only to 127.x.x.x addresses, not "${host}"`);
  const server = createServer();
  await listen(server, options.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  const gate = {
    token: createToken(),
    hosts: allowedHosts(host, port),
    cookieName: tokenCookieName(port),
    base: `http://${host}:${port}`,
  };
  const csp = contentSecurityPolicy({ connect: [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`, `ws://${host}:${port}`] });
  const dispatch = createDispatch(options.handlers, options);
  const sockets = createEventSockets(options.events);

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    setSecurityHeaders(response, csp);
    handleRequest(request, response).catch((error: unknown) => {
      // The path only: the query may carry the access token.
      options.onUnexpectedError?.(`${request.method} ${(request.url ?? '/').split('?')[0]}`, error);
      if (response.headersSent) response.destroy();
      else sendError(response, { code: 'failed', message: 'internal error' });
    });
  });

  async function handleRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!isOwnRequest(request, gate.hosts)) {
      return sendError(response, { code: 'unauthorized', message: 'this server answers only requests addressed to its own loopback address' }, 403);
    }
    const url = new URL(request.url ?? '/', gate.base);
    const linkToken = url.searchParams.get('token');
    if (linkToken !== null && request.method === 'GET') return exchangeLinkToken(response, linkToken);
    if (!tokensEqual(gate.token, presentedToken(request, gate.cookieName))) {
      return sendError(response, { code: 'unauthorized', message: 'missing or wrong access token: open the address `pleura serve` printed (it ends in ?token=…)' });
    }
    if (url.pathname.startsWith(API_PREFIX)) return handleApiCall(request, response, url.pathname.slice(API_PREFIX.length), dispatch);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return sendError(response, { code: 'invalid-argument', message: `${request.method} is not served here` }, 405);
    }
    if (!options.staticDir) return sendError(response, { code: 'not-found', message: 'this server has no renderer to serve' });
    const found = await lookupStatic(options.staticDir, url.pathname);
    if (found.status !== 200) {
      const message = found.status === 404 ? `no such file: ${url.pathname}` : `refused path: ${url.pathname}`;
      return sendError(response, { code: found.status === 404 ? 'not-found' : 'invalid-argument', message }, found.status);
    }
    sendFile(response, found.file, found.size, request.method === 'HEAD');
  }

  // The link's token becomes an HttpOnly cookie and leaves the address bar (and the history) at once.
  function exchangeLinkToken(response: ServerResponse, linkToken: string): void {
    if (!tokensEqual(gate.token, linkToken)) return sendError(response, { code: 'unauthorized', message: 'wrong access token in the link' });
    response.writeHead(303, { Location: '/', 'Set-Cookie': tokenCookie(gate.cookieName, gate.token), 'Cache-Control': 'no-store' });
    response.end();
  }

  server.on('upgrade', (request, socket, head) => {
    if (!isOwnRequest(request, gate.hosts)) return refuseUpgrade(socket, 403, 'Forbidden');
    if (!tokensEqual(gate.token, presentedToken(request, gate.cookieName))) return refuseUpgrade(socket, 401, 'Unauthorized');
    if (new URL(request.url ?? '/', gate.base).pathname !== EVENTS_PATH) return refuseUpgrade(socket, 404, 'Not Found');
    sockets.accept(request, socket, head);
  });

  return {
    url: `${gate.base}/?token=${gate.token}`,
    port,
    token: gate.token,
    async close() {
      await sockets.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function setSecurityHeaders(response: ServerResponse, csp: string): void {
  response.setHeader('Content-Security-Policy', csp);
  response.setHeader('X-Content-Type-Options', 'nosniff');
  // The first request carries the token in its URL: it must never travel on as a Referer.
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('X-Frame-Options', 'DENY');
  response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

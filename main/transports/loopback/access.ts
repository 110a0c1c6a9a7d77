// Who may talk to the loopback server: requests that name our address in Host (a DNS-rebinding page names its
// own domain), come from our own origin when they say where they come from, and carry the token, as a Bearer
// header or as the cookie the ?token= link is exchanged for.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function createToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Cookies are not separated by port: each server instance gets its own cookie name. */
export function tokenCookieName(port: number): string {
  return `pleura_token_${port}`;
}

export function tokensEqual(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  // Hashing first gives equal lengths, so the comparison time says nothing about the token.
  return timingSafeEqual(sha256(expected), sha256(given));
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export function presentedToken(request: IncomingMessage, cookieName: string): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  if (bearer) return bearer[1];
  return readCookie(request.headers.cookie, cookieName);
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function tokenCookie(name: string, token: string): string {
  return `${name}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

export function allowedHosts(host: string, port: number): Set<string> {
  return new Set([`${host}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`]);
}

/** The Host must be ours; an Origin, when the client sends one, must be ours too (cross-site requests, sockets). */
export function isOwnRequest(request: IncomingMessage, hosts: Set<string>): boolean {
  const host = request.headers.host?.toLowerCase();
  if (!host || !hosts.has(host)) return false;
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    const parsed = new URL(origin);
    return parsed.protocol === 'http:' && hosts.has(parsed.host);
  } catch {
    return false;
  }
}

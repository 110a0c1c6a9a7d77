import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_ENCODED_PIXELS, MAX_UID_LENGTH } from '../../../main/api/contract';
import { decodeWire } from '../../../main/api/wire';
import { startLoopbackServer, type LoopbackServer } from '../../../main/transports/loopback/server';
import { BROKEN_INSTANCE, createTestServices, MISSING_STUDY, sameBytes, testImage } from '../../fixtures/api/test-services';

const SECRET = 'outside-the-root-secret';
const INDEX = '<!doctype html><title>Pleura test page</title>';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let server: LoopbackServer;
let tmp: string;
const services = createTestServices({ imageSide: 2048 });

/** Raw HTTP, so tests control the Host header and send paths unnormalised. */
function send(options: { path: string; method?: string; headers?: Record<string, string>; body?: string; port?: number }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: options.port ?? server.port,
        path: options.path,
        method: options.method ?? 'GET',
        headers: { Host: `127.0.0.1:${server.port}`, ...options.headers },
        setHost: false,
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const bearer = () => ({ Authorization: `Bearer ${server.token}` });
const call = (method: string, args: unknown, headers: Record<string, string> = bearer()) =>
  send({ path: `/api/${method}`, method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(args) });
const json = (reply: Reply) => JSON.parse(reply.body.toString('utf8'));

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'pleura-loopback-'));
  const site = path.join(tmp, 'site');
  mkdirSync(path.join(site, 'assets'), { recursive: true });
  writeFileSync(path.join(site, 'index.html'), INDEX);
  writeFileSync(path.join(site, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(tmp, 'secret.txt'), SECRET);
  symlinkSync(path.join(tmp, 'secret.txt'), path.join(site, 'link.txt'));
  server = await startLoopbackServer({ ...services, staticDir: site });
});

afterAll(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('loopback server: who gets in', () => {
  it('listens on 127.0.0.1 only, and prints the address with a token of at least 128 bits', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(Buffer.from(server.token, 'base64url').length).toBeGreaterThanOrEqual(16);
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((address) => address && address.family === 'IPv4' && !address.internal);
    if (external) {
      const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
        const socket = connect(server.port, external.address, () => {
          socket.destroy();
          resolve(null);
        });
        socket.on('error', resolve);
      });
      expect(error?.code).toBe('ECONNREFUSED');
    }
    await expect(startLoopbackServer({ ...services, host: '0.0.0.0' })).rejects.toThrow(/127/);
  });

  it.each([
    ['no token', {}],
    ['a wrong Bearer token', { Authorization: 'Bearer nope' }],
    ['a wrong cookie', { Cookie: 'pleura_token_1=nope' }],
  ])('refuses %s with 401, for the API and for pages', async (_what, headers) => {
    const api = await call('app.info', {}, headers);
    expect(api.status).toBe(401);
    expect(json(api).code).toBe('unauthorized');
    expect((await send({ path: '/', headers })).status).toBe(401);
  });

  it('refuses the right token with a foreign Host header (DNS rebinding) or a foreign Origin', async () => {
    for (const Host of ['evil.example', `evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`, '']) {
      expect((await call('app.info', {}, { ...bearer(), Host })).status).toBe(403);
    }
    expect((await call('app.info', {}, { ...bearer(), Origin: 'http://evil.example' })).status).toBe(403);
    expect((await call('app.info', {}, { ...bearer(), Host: `localhost:${server.port}` })).status).toBe(200);
    expect((await call('app.info', {}, { ...bearer(), Origin: `http://localhost:${server.port}` })).status).toBe(200);
  });

  it('exchanges the link token for an HttpOnly SameSite=Strict cookie, which then opens the page', async () => {
    expect((await send({ path: '/?token=wrong' })).status).toBe(401);
    const exchange = await send({ path: `/?token=${server.token}` });
    expect(exchange.status).toBe(303);
    expect(exchange.headers.location).toBe('/');
    const cookie = exchange.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await send({ path: '/', headers: { Cookie: cookie.split(';')[0] } });
    expect(page.status).toBe(200);
    expect(page.body.toString()).toBe(INDEX);
    expect((await call('app.info', {}, { Cookie: cookie.split(';')[0] })).status).toBe(200);
  });
});

describe('loopback server: the API', () => {
  it('answers a call in the wire format', async () => {
    const reply = await call('studies.fileErrors', {});
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/vnd.pleura.wire');
    expect(decodeWire(reply.body)).toEqual(await services.handlers['studies.fileErrors']({}));
  });

  it('carries a 2048x2048 Float32Array intact', async () => {
    const started = performance.now();
    const reply = await call('images.load', { instanceId: 1 });
    const image = decodeWire(reply.body) as ReturnType<typeof testImage>;
    const ms = performance.now() - started;
    expect(image.pixels).toBeInstanceOf(Float32Array);
    expect(sameBytes(image.pixels, testImage(2048).pixels)).toBe(true);
    expect(ms).toBeLessThan(2000);
  });

  it.each([
    ['invalid arguments', 'images.load', '{"instanceId":"x"}', 400, 'invalid-argument'],
    ['a body that is not JSON', 'images.load', '{', 400, 'invalid-argument'],
    ['an unknown method', 'images.burn', '{}', 404, 'unknown-method'],
    ['a missing study', 'studies.detail', JSON.stringify({ studyInstanceUid: MISSING_STUDY }), 404, 'not-found'],
    ['a failing handler', 'images.load', JSON.stringify({ instanceId: BROKEN_INSTANCE }), 500, 'failed'],
  ])('answers %s with a JSON error and status', async (_what, method, body, status, code) => {
    const reply = await send({ path: `/api/${method}`, method: 'POST', headers: bearer(), body });
    expect(reply.status).toBe(status);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    const error = json(reply);
    expect(error.code).toBe(code);
    expect(JSON.stringify(error)).not.toMatch(/\.ts:\d+/);
  });

  it('accepts only POST for calls and refuses oversized bodies', async () => {
    expect((await send({ path: '/api/app.info', headers: bearer() })).status).toBe(405);
    expect((await send({ path: '/api/studies.scan', method: 'POST', headers: bearer(), body: 'x'.repeat(100_000) })).status).toBe(413);
  });

  it("lets through a review as large as review.save's schema allows, and no larger body for other methods", async () => {
    const mask = (length: number) => ({ instanceId: 1, decision: 'edited', encodedPixels: '1 '.repeat(length / 2) });
    // Past the body limit and the schema, the test services answer that review is unavailable.
    expect(json(await call('review.save', mask(MAX_ENCODED_PIXELS)))).toMatchObject({ code: 'unavailable' });
    expect(json(await call('review.save', mask(MAX_ENCODED_PIXELS + 2)))).toMatchObject({ code: 'invalid-argument', message: expect.stringContaining('encodedPixels') });
    expect((await send({ path: '/api/review.save', method: 'POST', headers: bearer(), body: ' '.repeat(MAX_ENCODED_PIXELS + 70_000) })).status).toBe(413);
    expect((await call('studies.detail', { studyInstanceUid: '1'.repeat(70_000) })).status).toBe(413);
  }, 30_000);

  it.each([
    ['empty', ''],
    ['longer than any file gives', `1.2.${'3'.repeat(MAX_UID_LENGTH)}`],
    ['with a line break', '1.2.3\n4'],
    ['with a NUL', '1.2.3\u00004'],
    ['with a lone surrogate', '1.2.\ud800'],
    ['with a direction override', '1.2.\u202e3'],
  ])('answers a UID argument %s with a 400 that says why', async (_, uid) => {
    for (const [method, args] of [
      ['studies.detail', { studyInstanceUid: uid }],
      ['triage.images', { studyInstanceUid: uid }],
      ['triage.start', { studyInstanceUids: [uid] }],
      ['audit.list', { sopInstanceUid: uid }],
      ['exports.run', { folder: '/tmp/x', kinds: ['report'], studyInstanceUids: [uid] }],
    ] as const) {
      const reply = await call(method, args);
      expect(reply.status, method).toBe(400);
      expect(json(reply).message).toMatch(/(studyInstanceUids?(\.0)?|sopInstanceUid): (Too (small|big)|printable characters only)/);
    }
  });

  it('accepts any printable UID a file may carry, up to the bound', async () => {
    for (const uid of [`1.2.${'3'.repeat(200)}`, 'not a uid, but printable: é 中 ../..']) {
      const reply = await call('studies.detail', { studyInstanceUid: uid });
      expect(reply.status).toBe(200);
    }
  });

  it('pushes hub events over the /events WebSocket, and only to holders of the token', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/events`, { headers: bearer() });
    const received: { event: string; payload: { filesDone?: number } }[] = [];
    const done = new Promise<void>((resolve) =>
      socket.on('message', (data) => {
        received.push(JSON.parse(String(data)));
        if (received.at(-1)?.event === 'scan.done') resolve();
      }),
    );
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    expect((await call('studies.scan', { path: '/studies' })).status).toBe(200);
    await done;
    socket.close();
    expect(received.map((message) => message.event)).toEqual(['scan.progress', 'scan.progress', 'scan.done']);
    expect(received[1].payload.filesDone).toBe(1);

    for (const [headers, status] of [
      [{}, 401],
      [{ Authorization: 'Bearer nope' }, 401],
      [{ ...bearer(), Origin: 'http://evil.example' }, 403],
    ] as const) {
      const refused = new WebSocket(`ws://127.0.0.1:${server.port}/events`, { headers });
      const response = await new Promise<number>((resolve) => refused.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
      expect(response).toBe(status);
    }
  });
});

describe('loopback server: the renderer files', () => {
  it('serves files with a strict CSP and no remote origin', async () => {
    const script = await send({ path: '/assets/app.js', headers: bearer() });
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    const page = await send({ path: '/', headers: bearer() });
    expect(page.body.toString()).toBe(INDEX);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect((await send({ path: '/assets/missing.js', headers: bearer() })).status).toBe(404);
    for (const reply of [script, page]) {
      const csp = String(reply.headers['content-security-policy']);
      expect(csp).toMatch(/default-src 'self'/);
      expect(csp).toMatch(new RegExp(`connect-src 'self'[^;]* ws://127\\.0\\.0\\.1:${server.port}`));
      expect(csp).not.toMatch(/https?:|\*/);
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it.each(['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/link.txt', '/%00'])(
    'refuses the path %s',
    async (target) => {
      const reply = await send({ path: target, headers: bearer() });
      expect(reply.status).toBeGreaterThanOrEqual(400);
      expect(reply.body.toString()).not.toContain(SECRET);
    },
  );
});

describe('loopback server: close', () => {
  it('stops listening', async () => {
    const other = await startLoopbackServer(createTestServices());
    await other.close();
    await expect(send({ path: '/', port: other.port })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

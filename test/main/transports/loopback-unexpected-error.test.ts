// A request that fails outside the dispatcher (the client aborts while sending its body) reaches onUnexpectedError
// named by its method and path, never by its query, which may carry the access token.
import { connect } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLoopbackServer, type LoopbackServer } from '../../../main/transports/loopback/server';
import { createTestServices } from '../../fixtures/api/test-services';

let server: LoopbackServer;
const reported: { what: string; error: unknown }[] = [];

beforeAll(async () => {
  server = await startLoopbackServer({ ...createTestServices(), onUnexpectedError: (what, error) => reported.push({ what, error }) });
});
afterAll(() => server.close());

it('names an aborted request without its token', async () => {
  const socket = connect(server.port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    [
      `POST /api/studies.scan?token=${server.token}&x=1 HTTP/1.1`,
      `Host: 127.0.0.1:${server.port}`,
      `Authorization: Bearer ${server.token}`,
      'Content-Type: application/json',
      'Content-Length: 1000',
      '',
      '{"path":',
    ].join('\r\n'),
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  socket.destroy();
  await expect.poll(() => reported.length).toBe(1);
  expect(reported[0].what).toBe('POST /api/studies.scan');
  expect(String(reported[0].error)).toMatch(/aborted/);
});

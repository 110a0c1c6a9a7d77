// One small service over both transports, through the renderer's own clients: the same calls, results, errors
// and events, whether the page runs in Electron (IPC, here an in-memory pair) or in a browser (real loopback).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ApiClient, ApiMethod, ScanProgress, ScanSummary } from '../../../main/api/contract';
import { createDispatch } from '../../../main/api/dispatch';
import type { PleuraBridge } from '../../../main/transports/ipc/bridge';
import { exposeBridge } from '../../../main/transports/ipc/expose-bridge';
import { forwardEvents, registerIpcApi, windowSenderCheck } from '../../../main/transports/ipc/register';
import { startLoopbackServer } from '../../../main/transports/loopback/server';
import { ApiCallError } from '../../../renderer/api';
import { createIpcClient } from '../../../renderer/api/ipc-client';
import { createLoopbackClient, type EventSocket } from '../../../renderer/api/loopback-client';
import { createFakeElectronIpc } from '../../fixtures/api/fake-electron-ipc';
import { BROKEN_INSTANCE, BROKEN_MESSAGE, createTestServices, MISSING_STUDY, sameBytes, testImage } from '../../fixtures/api/test-services';

const SIDE = 512;

interface Connected {
  client: ApiClient;
  close(): Promise<void>;
}

const transports: { name: string; connect(): Promise<Connected> }[] = [
  {
    name: 'Electron IPC',
    async connect() {
      const { handlers, events } = createTestServices({ imageSide: SIDE });
      const pageUrl = 'file:///app/dist/renderer/index.html';
      const fake = createFakeElectronIpc(pageUrl);
      const dispose = registerIpcApi({ ipcMain: fake.ipcMain, dispatch: createDispatch(handlers), isTrustedSender: windowSenderCheck(fake.webContents, pageUrl) });
      const stop = forwardEvents(events, fake.webContents);
      exposeBridge(fake.contextBridge, fake.ipcRenderer);
      return {
        client: createIpcClient(fake.exposed.pleura as PleuraBridge),
        async close() {
          stop();
          dispose();
        },
      };
    },
  },
  {
    name: 'loopback HTTP + WebSocket',
    async connect() {
      const server = await startLoopbackServer(createTestServices({ imageSide: SIDE }));
      const headers = { Authorization: `Bearer ${server.token}` };
      const client = createLoopbackClient({
        baseUrl: `http://127.0.0.1:${server.port}`,
        token: server.token,
        openSocket: (url) => new WebSocket(url, { headers }) as unknown as EventSocket,
      });
      return {
        client,
        async close() {
          client.close();
          await server.close();
        },
      };
    },
  },
];

describe.each(transports)('the API over $name', (transport) => {
  let connected: Connected;
  beforeAll(async () => {
    connected = await transport.connect();
  });
  afterAll(() => connected?.close());

  it('returns results', async () => {
    const { handlers } = createTestServices();
    expect(await connected.client.invoke('app.info', {})).toEqual(await handlers['app.info']({}));
    expect(await connected.client.invoke('studies.worklist', {})).toEqual(await handlers['studies.worklist']({}));
  });

  it('returns a decoded image with its Float32Array intact', async () => {
    const image = await connected.client.invoke('images.load', { instanceId: 1 });
    expect(image.pixels).toBeInstanceOf(Float32Array);
    expect(sameBytes(image.pixels, testImage(SIDE).pixels)).toBe(true);
    expect(image.info.rows).toBe(SIDE);
  });

  it.each([
    ['invalid arguments', 'images.load', { instanceId: -1 }, 'invalid-argument', /instanceId/],
    ['a missing study', 'studies.detail', { studyInstanceUid: MISSING_STUDY }, 'not-found', /no study/],
    ['a failing service', 'images.load', { instanceId: BROKEN_INSTANCE }, 'failed', new RegExp(`^${BROKEN_MESSAGE}$`)],
    ['an unknown method', 'app.quit', {}, 'unknown-method', /app\.quit/],
  ])('rejects %s with an ApiCallError of the same code', async (_what, method, args, code, message) => {
    const error = await connected.client.invoke(method as ApiMethod, args as never).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiCallError);
    expect(error).toMatchObject({ code, message: expect.stringMatching(message) });
    if (code === 'invalid-argument') expect((error as ApiCallError).details).toEqual([expect.objectContaining({ path: ['instanceId'] })]);
    if (code === 'not-found') expect((error as ApiCallError).details).toEqual({ studyInstanceUid: MISSING_STUDY });
  });

  it('delivers events to listeners registered before the call, and none after unsubscribing', async () => {
    const progress: ScanProgress[] = [];
    const offProgress = connected.client.on('scan.progress', (payload) => progress.push(payload));
    const firstDone = nextEvent(connected.client, 'scan.done');
    const summary = await connected.client.invoke('studies.scan', { path: '/studies' });
    expect(await firstDone).toEqual(summary);
    expect(progress.map((p) => p.filesDone)).toEqual([0, 1]);

    offProgress();
    // Progress precedes 'scan.done' on both transports: once it arrives, no progress can still be on its way.
    const secondDone = nextEvent(connected.client, 'scan.done');
    await connected.client.invoke('studies.scan', { path: '/again' });
    expect((await secondDone).root).toBe('/again');
    expect(progress).toHaveLength(2);
  });
});

function nextEvent(client: ApiClient, event: 'scan.done'): Promise<ScanSummary> {
  return new Promise((resolve) => {
    const off = client.on(event, (payload) => {
      off();
      resolve(payload);
    });
  });
}

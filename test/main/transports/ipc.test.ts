import { describe, expect, it, vi } from 'vitest';
import { apiArgs, apiEvents, type ScanProgress } from '../../../main/api/contract';
import { createDispatch } from '../../../main/api/dispatch';
import { bridgeEvents, bridgeMethods, EVENT_CHANNEL, INVOKE_CHANNEL, type PleuraBridge } from '../../../main/transports/ipc/bridge';
import { exposeBridge } from '../../../main/transports/ipc/expose-bridge';
import { forwardEvents, registerIpcApi, windowSenderCheck } from '../../../main/transports/ipc/register';
import { createFakeElectronIpc, type FakeFrame } from '../../fixtures/api/fake-electron-ipc';
import { createTestServices } from '../../fixtures/api/test-services';

const pageUrl = 'file:///opt/Pleura/resources/app.asar/dist/renderer/index.html';

function setUp() {
  const services = createTestServices();
  const fake = createFakeElectronIpc(pageUrl);
  const infoSpy = vi.spyOn(services.handlers, 'app.info');
  const dispose = registerIpcApi({
    ipcMain: fake.ipcMain,
    dispatch: createDispatch(services.handlers),
    isTrustedSender: windowSenderCheck(fake.webContents, pageUrl),
  });
  exposeBridge(fake.contextBridge, fake.ipcRenderer);
  return { services, fake, infoSpy, dispose, bridge: fake.exposed.pleura as PleuraBridge };
}

const progress: ScanProgress = { scanId: 's', root: '/r', phase: 'listing', filesSeen: 0, filesDone: 0, errors: 0, currentPath: null };

describe('IPC bridge names', () => {
  it('are exactly the contract methods and events', () => {
    expect([...bridgeMethods].sort()).toEqual(Object.keys(apiArgs).sort());
    expect([...bridgeEvents].sort()).toEqual([...apiEvents].sort());
  });
});

describe('preload bridge', () => {
  it('exposes only invoke and on as window.pleura', () => {
    const { fake } = setUp();
    expect(Object.keys(fake.exposed)).toEqual(['pleura']);
    expect(Object.keys(fake.exposed.pleura as object).sort()).toEqual(['invoke', 'on']);
  });

  it('refuses methods outside the contract without sending anything', async () => {
    const { bridge, fake } = setUp();
    const send = vi.spyOn(fake.ipcRenderer, 'invoke');
    for (const method of ['app.quit', '__proto__', 'toString', 42 as unknown as string]) {
      expect(await bridge.invoke(method, {})).toMatchObject({ ok: false, error: { code: 'unknown-method' } });
    }
    expect(send).not.toHaveBeenCalled();
  });

  it('refuses events outside the contract and non-function listeners', () => {
    const { bridge } = setUp();
    expect(() => bridge.on('app.secrets' as never, () => {})).toThrow(/not an event/);
    expect(() => bridge.on('scan.done', 'x' as never)).toThrow(/function/);
  });

  it('hands the page the payload only (never the IPC event), until unsubscribed', () => {
    const { bridge, fake } = setUp();
    const listener = vi.fn();
    const other = vi.fn();
    const off = bridge.on('scan.progress', listener);
    bridge.on('scan.done', other);
    fake.webContents.send(EVENT_CHANNEL, 'scan.progress', progress);
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener.mock.calls[0]).toEqual([progress]);
    expect(other).not.toHaveBeenCalled();
    off();
    expect(fake.listenerCount(EVENT_CHANNEL)).toBe(1);
    fake.webContents.send(EVENT_CHANNEL, 'scan.progress', progress);
    expect(listener).toHaveBeenCalledTimes(1);
  });
});

describe('main-side registration', () => {
  it('dispatches a call from our window', async () => {
    const { bridge } = setUp();
    expect(await bridge.invoke('app.info', {})).toMatchObject({ ok: true, result: { name: 'Pleura' } });
  });

  it('validates arguments and method names in the main process too', async () => {
    const { fake, infoSpy } = setUp();
    expect(await fake.ipcRenderer.invoke(INVOKE_CHANNEL, 'app.info', { extra: 1 })).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(await fake.ipcRenderer.invoke(INVOKE_CHANNEL, 'app.quit', {})).toMatchObject({ ok: false, error: { code: 'unknown-method' } });
    expect(infoSpy).not.toHaveBeenCalled();
  });

  it.each<[string, (main: FakeFrame) => FakeFrame | null, number]>([
    ['an iframe inside our page', (main) => ({ url: pageUrl, parent: main }), 1],
    ['a foreign page in our window', () => ({ url: 'https://evil.example/index.html', parent: null }), 1],
    ['another file in our window', () => ({ url: 'file:///tmp/evil.html', parent: null }), 1],
    ['a frame that is gone', () => null, 1],
    ['another window showing our page', () => ({ url: pageUrl, parent: null }), 2],
  ])('refuses %s', async (_what, frameOf, senderId) => {
    const { fake, infoSpy } = setUp();
    const ipcRenderer = fake.ipcRendererIn(frameOf(fake.mainFrame), { id: senderId });
    expect(await ipcRenderer.invoke(INVOKE_CHANNEL, 'app.info', {})).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(infoSpy).not.toHaveBeenCalled();
  });

  it('trusts our page after in-page navigation (hash or query)', async () => {
    const { fake } = setUp();
    const ipcRenderer = fake.ipcRendererIn({ url: `${pageUrl}?x=1#/viewer/1.2.3`, parent: null });
    expect(await ipcRenderer.invoke(INVOKE_CHANNEL, 'app.info', {})).toMatchObject({ ok: true });
  });

  it('unregisters its channel', () => {
    const { fake, dispose } = setUp();
    expect(fake.handlerCount()).toBe(1);
    dispose();
    expect(fake.handlerCount()).toBe(0);
  });
});

describe('event forwarding', () => {
  it('sends every hub event to the window while it lives, until unsubscribed', () => {
    const { services, fake, bridge } = setUp();
    const listener = vi.fn();
    bridge.on('scan.progress', listener);
    const stop = forwardEvents(services.events, fake.webContents);
    services.events.emit('scan.progress', progress);
    expect(listener).toHaveBeenCalledWith(progress);
    stop();
    services.events.emit('scan.progress', progress);
    expect(listener).toHaveBeenCalledTimes(1);
    forwardEvents(services.events, fake.webContents);
    fake.webContents.destroy();
    expect(() => services.events.emit('scan.progress', progress)).not.toThrow();
  });
});

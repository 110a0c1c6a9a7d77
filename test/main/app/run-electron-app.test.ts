// The Electron shell's wiring, against a fake `electron` module: Electron's binary cannot be installed here.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { EventHub } from '../../../main/api/events';
import { runElectronApp, type ElectronMain } from '../../../main/app/run-electron-app';
import type { Services, ServicesOptions } from '../../../main/services/create-services';
import { DataDirBusyError } from '../../../main/services/data-dir-lock';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from '../../../main/transports/ipc/bridge';
import { createFakeElectronIpc } from '../../fixtures/api/fake-electron-ipc';
import { createTestServices } from '../../fixtures/api/test-services';

const rendererIndex = '/opt/Pleura/resources/app.asar/dist/renderer/index.html';
const preload = '/opt/Pleura/resources/app.asar/dist/main/app/preload.cjs';

type Listener = (...args: unknown[]) => unknown;

class Emitter {
  readonly listeners = new Map<string, Listener[]>();
  on(name: string, listener: Listener) {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
    return this;
  }
  once(name: string, listener: Listener) {
    return this.on(name, listener);
  }
  emit(name: string, ...args: unknown[]) {
    for (const listener of this.listeners.get(name) ?? []) listener(...args);
  }
}

function fakeElectron(options: { lock?: boolean; dialogAnswer?: { canceled: boolean; filePaths: string[] }; messageBoxAnswer?: number } = {}) {
  const app = Object.assign(new Emitter(), {
    requestSingleInstanceLock: vi.fn(() => options.lock ?? true),
    enableSandbox: vi.fn(),
    whenReady: () => Promise.resolve(),
    getPath: (name: string) => `/home/user/.config/${name}`,
    getVersion: () => '1.2.3',
    quit: vi.fn(),
    exit: vi.fn(),
  });
  class WebContents extends Emitter {
    id = 7;
    windowOpenHandler?: () => unknown;
    send = vi.fn();
    setWindowOpenHandler(handler: () => unknown) {
      this.windowOpenHandler = handler;
    }
    isDestroyed = () => false;
  }
  const windows: BrowserWindow[] = [];
  class BrowserWindow extends Emitter {
    readonly webContents = new WebContents();
    loadFile = vi.fn(async () => {});
    show = vi.fn();
    isDestroyed = () => false;
    constructor(readonly options: Record<string, unknown>) {
      super();
      windows.push(this);
      app.emit('web-contents-created', {}, this.webContents);
    }
  }
  const session = {
    defaultSession: {
      setPermissionRequestHandler: vi.fn(),
      setPermissionCheckHandler: vi.fn(),
      webRequest: { onHeadersReceived: vi.fn() },
    },
  };
  const Menu = { setApplicationMenu: vi.fn(), buildFromTemplate: vi.fn((template: unknown) => ({ template })) };
  const dialog = {
    showOpenDialog: vi.fn(async () => options.dialogAnswer ?? { canceled: false, filePaths: ['/data/studies'] }),
    showErrorBox: vi.fn(),
    showMessageBoxSync: vi.fn(() => options.messageBoxAnswer ?? 0),
  };
  const ipc = createFakeElectronIpc(`file://${rendererIndex}`);
  // Reversible and visibly not the plain text, as the OS's encryption is.
  const safeStorage = {
    isEncryptionAvailable: vi.fn(() => true),
    encryptString: vi.fn((text: string) => Buffer.from(text, 'utf8').reverse()),
    decryptString: vi.fn((bytes: Buffer) => Buffer.from(bytes).reverse().toString('utf8')),
  };
  const electron = { app, BrowserWindow, session, Menu, dialog, ipcMain: ipc.ipcMain, safeStorage };
  return { electron: electron as unknown as ElectronMain, app, windows, session, Menu, dialog, ipc, safeStorage };
}

async function launch(options: Parameters<typeof fakeElectron>[0] & { dataDirOverride?: string; refuse?: Error } = {}) {
  const fake = fakeElectron(options);
  let services: (Services & { events: EventHub }) | undefined;
  const createServices = vi.fn((_options: ServicesOptions): Services => {
    if (options.refuse) throw options.refuse;
    const dataDirLock = { holder: { command: 'start', pid: 1, since: '' }, announce: vi.fn(), release: vi.fn() };
    const pacs = { handlers: {} as Services['pacs']['handlers'], sync: vi.fn(), listen: vi.fn(), close: vi.fn(async () => {}) };
    services = { ...createTestServices(), close: vi.fn(async () => {}), dataDirLock, pacs };
    return services;
  });
  const window = await runElectronApp({ electron: fake.electron, createServices, rendererIndex, preload, dataDirOverride: options.dataDirOverride, bundledModel: '/opt/Pleura/resources/models/pleura-demo', log: () => {} });
  return { ...fake, window, createServices, services: () => services! };
}

describe('the Electron shell', () => {
  it("keeps the PACS password encrypted by the operating system's key, in the data directory, never in plain text", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'pleura-shell-'));
    try {
      const { createServices, safeStorage } = await launch({ dataDirOverride: dataDir });
      const { pacs } = createServices.mock.calls[0][0];
      expect(pacs?.background).toBe(true);
      const secrets = pacs!.secrets!;
      await secrets.set('s3cret-pw');
      expect(safeStorage.encryptString).toHaveBeenCalledWith('s3cret-pw');
      const files = readdirSync(dataDir).map((name) => readFileSync(path.join(dataDir, name)).toString('latin1'));
      expect(files.length).toBeGreaterThan(0);
      expect(files.some((text) => text.includes('s3cret-pw'))).toBe(false);
      expect(secrets.get()).toBe('s3cret-pw');
      expect(secrets.info()).toEqual({ present: true, source: 'safe-storage', canStore: true });
      await secrets.set(null);
      expect(secrets.get()).toBeNull();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('opens one window on the built renderer with isolation, sandbox and no Node', async () => {
    const { windows, app } = await launch();
    expect(windows).toHaveLength(1);
    expect(windows[0].options.webPreferences).toMatchObject({
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      webviewTag: false,
    });
    expect(app.enableSandbox).toHaveBeenCalled();
    expect(windows[0].loadFile).toHaveBeenCalledWith(rendererIndex);
  });

  it('asks before a page with unsaved edits closes: the window closes only when the reviewer discards them', async () => {
    for (const [answer, closes] of [
      [0, false],
      [1, true],
    ] as const) {
      const { windows, dialog } = await launch({ messageBoxAnswer: answer });
      const event = { preventDefault: vi.fn() };
      windows[0].webContents.emit('will-prevent-unload', event);
      expect(dialog.showMessageBoxSync).toHaveBeenCalledWith(windows[0], expect.objectContaining({ title: 'Unsaved mask edits' }));
      expect(event.preventDefault).toHaveBeenCalledTimes(closes ? 1 : 0);
    }
  });

  it('denies navigation, new windows and webviews in every WebContents', async () => {
    const { windows } = await launch();
    const contents = windows[0].webContents;
    for (const name of ['will-navigate', 'will-attach-webview']) {
      const event = { preventDefault: vi.fn() };
      contents.emit(name, event, 'https://evil.example/');
      expect(event.preventDefault, name).toHaveBeenCalled();
    }
    expect(contents.windowOpenHandler?.()).toEqual({ action: 'deny' });
  });

  it('denies permissions and adds a CSP without remote origins to responses', async () => {
    const { session } = await launch();
    const { setPermissionRequestHandler, setPermissionCheckHandler, webRequest } = session.defaultSession;
    const answer = vi.fn();
    setPermissionRequestHandler.mock.calls[0][0]({}, 'media', answer);
    expect(answer).toHaveBeenCalledWith(false);
    expect(setPermissionCheckHandler.mock.calls[0][0]({}, 'geolocation')).toBe(false);
    const respond = vi.fn();
    webRequest.onHeadersReceived.mock.calls[0][0]({ responseHeaders: { 'X-Kept': ['1'] } }, respond);
    const headers = respond.mock.calls[0][0].responseHeaders;
    expect(headers['X-Kept']).toEqual(['1']);
    expect(headers['Content-Security-Policy'][0]).toMatch(/default-src 'self'/);
    expect(headers['Content-Security-Policy'][0]).not.toMatch(/https?:|ws:|\*/);
  });

  it('builds the services for Electron in userData, with the native folder dialog and the first run', async () => {
    const { createServices, dialog, windows } = await launch();
    const options = createServices.mock.calls[0][0];
    expect(options).toMatchObject({
      shell: 'electron',
      dataDir: '/home/user/.config/userData',
      version: '1.2.3',
      firstRun: { bundledModel: '/opt/Pleura/resources/models/pleura-demo' },
      lock: { command: 'start' },
    });
    expect(await options.pickFolder?.()).toBe('/data/studies');
    expect(dialog.showOpenDialog).toHaveBeenCalledWith(windows[0], expect.objectContaining({ properties: ['openDirectory'] }));
    const cancelled = await launch({ dialogAnswer: { canceled: true, filePaths: [] }, dataDirOverride: '/tmp/pleura' });
    const cancelledOptions = cancelled.createServices.mock.calls[0][0];
    expect(cancelledOptions.dataDir).toBe('/tmp/pleura');
    expect(await cancelledOptions.pickFolder?.()).toBeNull();
  });

  it('answers API calls from its own page only, and forwards events to it', async () => {
    const { ipc, windows, services } = await launch();
    const contents = windows[0].webContents;
    const ours = ipc.ipcRendererIn({ url: `file://${rendererIndex}#/`, parent: null }, contents);
    expect(await ours.invoke(INVOKE_CHANNEL, 'app.info', {})).toMatchObject({ ok: true, result: { name: 'Pleura' } });
    const foreign = ipc.ipcRendererIn({ url: 'https://evil.example/', parent: null }, contents);
    expect(await foreign.invoke(INVOKE_CHANNEL, 'app.info', {})).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const summary = await services().handlers['studies.scan']({ path: '/s' });
    expect(contents.send).toHaveBeenCalledWith(EVENT_CHANNEL, 'scan.done', summary);
  });

  it('closes the services once before quitting', async () => {
    const { app, services } = await launch();
    const first = { preventDefault: vi.fn() };
    app.emit('will-quit', first);
    expect(first.preventDefault).toHaveBeenCalled();
    await vi.waitFor(() => expect(app.quit).toHaveBeenCalled());
    expect(services().close).toHaveBeenCalledTimes(1);
    const second = { preventDefault: vi.fn() };
    app.emit('will-quit', second);
    expect(second.preventDefault).not.toHaveBeenCalled();
  });

  it('leaves the work to the running instance when started twice', async () => {
    const { app, windows, createServices, window } = await launch({ lock: false });
    expect(app.quit).toHaveBeenCalled();
    expect(window).toBeNull();
    expect(windows).toHaveLength(0);
    expect(createServices).not.toHaveBeenCalled();
  });

  it('says who holds the data directory, and exits, when another Pleura uses it', async () => {
    const holder = { command: 'serve', pid: 4242, since: '2026-03-01T10:00:00.000Z', address: 'http://127.0.0.1:8080/' };
    const { app, dialog, windows, window } = await launch({ refuse: new DataDirBusyError('/home/user/.config/userData', holder) });
    expect(window).toBeNull();
    expect(windows).toHaveLength(0);
    expect(dialog.showErrorBox).toHaveBeenCalledWith('Pleura cannot start', expect.stringMatching(/^Pleura serve \(pid 4242, since .*, at http:\/\/127\.0\.0\.1:8080\/\) is using \/home\/user\/\.config\/userData; /));
    expect(app.exit).toHaveBeenCalledWith(1);
  });

  it('lets an unexpected failure of the services through, for the crash dialog', async () => {
    await expect(launch({ refuse: new TypeError('a bug') })).rejects.toThrow('a bug');
  });

  it('sets a minimal menu of standard roles', async () => {
    const { Menu } = await launch();
    const template = Menu.buildFromTemplate.mock.calls[0][0] as { role: string }[];
    expect(template.map((item) => item.role)).toEqual(expect.arrayContaining(['fileMenu', 'editMenu', 'viewMenu', 'windowMenu']));
    expect(Menu.setApplicationMenu).toHaveBeenCalled();
  });
});

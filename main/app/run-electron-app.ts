// The workstation's Electron shell: one hardened window on the built renderer, the services behind IPC. Electron
// and the services factory are passed in, so the wiring is tested with a fake Electron. A second start hands over
// to the first window; a data directory held by another Pleura (`pleura serve`, a scan) is refused with who holds it.
import { pathToFileURL } from 'node:url';
import type { BrowserWindow } from 'electron';
import { ApiError } from '../api/contract';
import { createDispatch } from '../api/dispatch';
import type { Services, ServicesOptions } from '../services/create-services';
import { contentSecurityPolicy } from '../transports/csp';
import { forwardEvents, registerIpcApi, windowSenderCheck } from '../transports/ipc/register';
import { menuTemplate } from './menu';
import { osEncryptedSecrets } from '../pacs/secrets';
import { hardenContents, hardenSession, secureWebPreferences } from './security';

export type ElectronMain = Pick<typeof import('electron'), 'app' | 'BrowserWindow' | 'dialog' | 'ipcMain' | 'Menu' | 'session' | 'safeStorage'>;

export interface ElectronAppOptions {
  electron: ElectronMain;
  createServices: (options: ServicesOptions) => Services;
  /** dist/renderer/index.html */
  rendererIndex: string;
  /** the bundled (CommonJS) preload */
  preload: string;
  /** PLEURA_DATA_DIR, which wins over Electron's userData folder (tests, portable installs). */
  dataDirOverride?: string;
  /** the demonstration model's folder, for the first run */
  bundledModel: string;
  log?: (message: string) => void;
}

export async function runElectronApp(options: ElectronAppOptions): Promise<BrowserWindow | null> {
  const { app, BrowserWindow, dialog, ipcMain, Menu, session, safeStorage } = options.electron;
  const log = options.log ?? ((message) => process.stderr.write(`${message}\n`));
  // One instance owns the index; a second launch brings the first window forward instead.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }
  app.enableSandbox();
  app.on('web-contents-created', (_event, contents) => hardenContents(contents));
  await app.whenReady();
  hardenSession(session.defaultSession, contentSecurityPolicy());
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(process.platform)));

  let services: Services;
  const dataDir = options.dataDirOverride || app.getPath('userData');
  try {
    services = options.createServices({
      dataDir,
      shell: 'electron',
      version: app.getVersion(),
      firstRun: { bundledModel: options.bundledModel },
      lock: { command: 'start' },
      // The PACS password is encrypted with the operating system's key (Keychain, DPAPI, libsecret), never kept in plain text.
      pacs: {
        secrets: osEncryptedSecrets(dataDir, {
          isAvailable: () => safeStorage.isEncryptionAvailable(),
          encrypt: (text) => safeStorage.encryptString(text),
          decrypt: (bytes) => safeStorage.decryptString(Buffer.from(bytes)),
        }),
        background: true,
      },
      async pickFolder() {
        // Asked only once the window below exists.
        const choice = await dialog.showOpenDialog(window, { title: 'Choose a folder of studies', properties: ['openDirectory'] });
        return choice.canceled ? null : (choice.filePaths[0] ?? null);
      },
    });
  } catch (error) {
    // Said, not thrown: another Pleura holding the data directory, or an index that cannot be opened, is no crash.
    if (!(error instanceof ApiError)) throw error;
    dialog.showErrorBox('Pleura cannot start', error.message);
    app.exit(1);
    return null;
  }
  const window = new BrowserWindow({
    width: 1440,
    height: 900,
    show: false,
    title: 'Pleura',
    backgroundColor: '#101214',
    webPreferences: secureWebPreferences(options.preload),
  });
  registerIpcApi({
    ipcMain,
    dispatch: createDispatch(services.handlers, { onUnexpectedError: (method, error) => log(`${method} failed: ${(error as Error)?.stack ?? String(error)}`) }),
    isTrustedSender: windowSenderCheck(window.webContents, pathToFileURL(options.rendererIndex).href),
  });
  const stopEvents = forwardEvents(services.events, window.webContents);
  window.once('ready-to-show', () => window.show());
  // The viewer asks (beforeunload) before unsaved mask edits are lost; Electron shows no dialog for that by itself
  // and would silently keep the window open, so the shell asks here. preventDefault lets the window close.
  window.webContents.on('will-prevent-unload', (event) => {
    const choice = dialog.showMessageBoxSync(window, {
      type: 'question',
      buttons: ['Stay and keep editing', 'Discard edits and close'],
      defaultId: 0,
      cancelId: 0,
      title: 'Unsaved mask edits',
      message: 'The mask has edits that are not saved. Closing discards them.',
    });
    if (choice === 1) event.preventDefault();
  });
  window.on('closed', stopEvents);
  app.on('second-instance', () => {
    if (window.isDestroyed()) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('window-all-closed', () => app.quit());
  // Quitting waits once for the services (scans, workers, the index) to stop.
  let servicesClosed = false;
  app.on('will-quit', (event) => {
    if (servicesClosed) return;
    event.preventDefault();
    services
      .close()
      .catch((error: unknown) => log(`closing the services failed: ${String(error)}`))
      .finally(() => {
        servicesClosed = true;
        app.quit();
      });
  });
  await window.loadFile(options.rendererIndex);
  return window;
}

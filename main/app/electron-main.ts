// Electron's entry (bundled to dist/main/app/electron-main.js, beside the preload; the renderer is dist/renderer).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, safeStorage, session } from 'electron';
import { bundledModelDir } from '../first-run/first-run';
import { createServices } from '../services/create-services';
import { runElectronApp } from './run-electron-app';

const here = path.dirname(fileURLToPath(import.meta.url));

runElectronApp({
  electron: { app, BrowserWindow, dialog, ipcMain, Menu, session, safeStorage },
  createServices,
  rendererIndex: path.join(here, '..', '..', 'renderer', 'index.html'),
  preload: path.join(here, 'preload.cjs'),
  dataDirOverride: process.env.PLEURA_DATA_DIR,
  // Packaged, models/ ships as resources/models (electron-builder extraResources); from sources it is the repository's.
  bundledModel: bundledModelDir(app.isPackaged ? process.resourcesPath : app.getAppPath()),
}).catch((error: unknown) => {
  dialog.showErrorBox('Pleura could not start', String((error as Error)?.stack ?? error));
  app.exit(1);
});

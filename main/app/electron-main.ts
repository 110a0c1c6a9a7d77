// Electron's entry (bundled to dist/main/app/electron-main.js, beside the preload; the renderer is dist/renderer).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, session } from 'electron';
import { createServices } from '../services/create-services';
import { runElectronApp } from './run-electron-app';

const here = path.dirname(fileURLToPath(import.meta.url));

runElectronApp({
  electron: { app, BrowserWindow, dialog, ipcMain, Menu, session },
  createServices,
  rendererIndex: path.join(here, '..', '..', 'renderer', 'index.html'),
  preload: path.join(here, 'preload.cjs'),
  dataDirOverride: process.env.PLEURA_DATA_DIR,
}).catch((error: unknown) => {
  dialog.showErrorBox('Pleura could not start', String((error as Error)?.stack ?? error));
  app.exit(1);
});

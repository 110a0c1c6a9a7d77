// Sandboxed preload (bundled to CommonJS: sandboxed preloads cannot import modules).
import { contextBridge, ipcRenderer } from 'electron';
import { exposeBridge } from './expose-bridge';

exposeBridge(contextBridge, ipcRenderer);

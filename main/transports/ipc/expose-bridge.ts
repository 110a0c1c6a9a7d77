// The body of the preload, with Electron's two objects passed in so it can be tested without Electron.
// Only contract names pass; the IpcRendererEvent (which carries `sender`, i.e. ipcRenderer itself) never
// reaches the page.
import type { ContextBridge, IpcRenderer } from 'electron';
import { bridgeEvents, bridgeMethods, EVENT_CHANNEL, INVOKE_CHANNEL, type PleuraBridge } from './bridge';

type IpcRendererPart = Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>;

export function createBridge(ipcRenderer: IpcRendererPart): PleuraBridge {
  const methods = new Set<string>(bridgeMethods);
  const events = new Set<string>(bridgeEvents);
  return {
    invoke(method, args) {
      // Refused here, never sent; answered in the dispatcher's shape so both transports fail alike.
      if (typeof method !== 'string' || !methods.has(method)) {
        return Promise.resolve({ ok: false, error: { code: 'unknown-method', message: `"${String(method)}" is not a method of the API` } });
      }
      return ipcRenderer.invoke(INVOKE_CHANNEL, method, args);
    },
    on(event, listener) {
      if (typeof event !== 'string' || !events.has(event)) throw new Error(`pleura.on: "${String(event)}" is not an event of the API`);
      if (typeof listener !== 'function') throw new Error('pleura.on: the listener must be a function');
      const forward = (_ipcEvent: unknown, name: unknown, payload: unknown) => {
        if (name === event) listener(payload as never);
      };
      ipcRenderer.on(EVENT_CHANNEL, forward);
      return () => {
        ipcRenderer.removeListener(EVENT_CHANNEL, forward);
      };
    },
  };
}

export function exposeBridge(contextBridge: Pick<ContextBridge, 'exposeInMainWorld'>, ipcRenderer: IpcRendererPart): void {
  contextBridge.exposeInMainWorld('pleura', createBridge(ipcRenderer));
}

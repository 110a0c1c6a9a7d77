// The client inside Electron: calls and events go through `window.pleura`, which the preload exposes.
import type { ApiClient } from '../../main/api/contract';
import type { PleuraBridge } from '../../main/transports/ipc/bridge';
import { resultOf } from './call-error';

export function createIpcClient(bridge: PleuraBridge): ApiClient {
  return {
    async invoke(method, args) {
      return resultOf(await bridge.invoke(method, args));
    },
    on(event, listener) {
      return bridge.on(event, listener);
    },
  };
}

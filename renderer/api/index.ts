// The renderer's one way to the services: the same ApiClient in Electron (IPC through the preload's
// `window.pleura`) and in a browser (the loopback server this page came from).
import type { ApiClient } from '../../main/api/contract';
import type { PleuraBridge } from '../../main/transports/ipc/bridge';
import { createIpcClient } from './ipc-client';
import { createLoopbackClient } from './loopback-client';

export { ApiCallError } from './call-error';
export type { ApiClient } from '../../main/api/contract';

export function createApiClient(): ApiClient {
  const bridge = (globalThis as { pleura?: PleuraBridge }).pleura;
  if (bridge) return createIpcClient(bridge);
  return createLoopbackClient({ baseUrl: globalThis.location.origin });
}

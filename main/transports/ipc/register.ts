// Main side of the IPC transport: one generic channel into the dispatcher (services, not channels), and every
// hub event forwarded to the window. Electron's objects are passed in, so this is tested with small fakes.
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import type { Dispatch } from '../../api/dispatch';
import type { EventHub } from '../../api/events';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from './bridge';

export type SenderCheck = (event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>) => boolean;

export function registerIpcApi(options: {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  dispatch: Dispatch;
  isTrustedSender: SenderCheck;
}): () => void {
  const { ipcMain, dispatch, isTrustedSender } = options;
  ipcMain.handle(INVOKE_CHANNEL, async (event, method: unknown, args: unknown) => {
    if (!isTrustedSender(event)) {
      return { ok: false, error: { code: 'unauthorized', message: 'API calls are accepted only from the Pleura window' } };
    }
    return dispatch(String(method), args);
  });
  return () => ipcMain.removeHandler(INVOKE_CHANNEL);
}

/**
 * Trusts the top frame of our own window while it shows our own page. An iframe, another window, or the window
 * after a navigation elsewhere (which is denied anyway) gets nothing.
 */
export function windowSenderCheck(contents: Pick<WebContents, 'id'>, pageUrl: string): SenderCheck {
  const page = documentUrl(pageUrl);
  if (page === null) throw new Error(`not a page URL: ${pageUrl}`);
  return ({ sender, senderFrame }) =>
    sender?.id === contents.id && senderFrame != null && senderFrame.parent === null && documentUrl(senderFrame.url) === page;
}

/** The URL without fragment and query: the router may change those. */
function documentUrl(url: string): string | null {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return null;
  }
}

export function forwardEvents(events: EventHub, contents: Pick<WebContents, 'send' | 'isDestroyed'>): () => void {
  return events.subscribe((event, payload) => {
    if (!contents.isDestroyed()) contents.send(EVENT_CHANNEL, event, payload);
  });
}

// React glue for a stack session: the session lives exactly as long as the component's element, and the shown
// image follows `imageId`.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiClient } from '../../main/api/contract';
import { errorMessage } from '../app/error-message';
import { decodedSummary, type DecodedSummary } from './image-loader';
import { initCornerstone } from './init';
import { openStackSession, type StackSession, type ViewState } from './stack-session';

export type ViewportStatus =
  | { state: 'idle' }
  | { state: 'loading'; imageId: string }
  | { state: 'ready'; imageId: string; image: DecodedSummary | null }
  | { state: 'error'; imageId: string; message: string };

export function useStackViewport(client: ApiClient, imageId: string | null) {
  const elementRef = useRef<HTMLDivElement>(null);
  const [session, setSession] = useState<StackSession | null>(null);
  const [view, setView] = useState<ViewState>({ window: null, invert: false });
  const [status, setStatus] = useState<ViewportStatus>({ state: 'idle' });

  useEffect(() => {
    const element = elementRef.current;
    if (!element) return;
    initCornerstone(client);
    const opened = openStackSession(element, setView);
    setSession(opened);
    return () => {
      setSession(null);
      opened.close();
    };
  }, [client]);

  useEffect(() => {
    if (!session || !imageId) return;
    let current = true;
    setStatus({ state: 'loading', imageId });
    session.show(imageId).then(
      () => current && setStatus({ state: 'ready', imageId, image: decodedSummary(imageId) }),
      (error: unknown) => current && setStatus({ state: 'error', imageId, message: errorMessage(error) }),
    );
    return () => {
      current = false;
    };
  }, [session, imageId]);

  const reset = useCallback(() => session?.reset(), [session]);
  const toggleInvert = useCallback(() => session?.toggleInvert(), [session]);
  return { elementRef, session, view, status, reset, toggleInvert };
}

// The viewer's keys, on the window in the capture phase: the viewport's element keeps keys from Cornerstone
// (stack-session.ts), and a capture listener on the window runs before it. An action that is not available now
// (a disabled button's) is left out of `actions`, and its key then does nothing and is not consumed.
import { useEffect, useLayoutEffect, useRef } from 'react';
import { isTypingTarget, shortcutFor, type ShortcutId } from './shortcuts';

export type ShortcutActions = Partial<Record<ShortcutId, () => void>>;

export function useShortcuts(actions: ShortcutActions, enabled: boolean): void {
  const latest = useRef(actions);
  useLayoutEffect(() => {
    latest.current = actions;
  });
  useEffect(() => {
    if (!enabled) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (isTypingTarget(event.target as HTMLElement | null)) return;
      const shortcut = shortcutFor(event);
      const run = shortcut && latest.current[shortcut.id];
      if (!shortcut || !run) return;
      event.preventDefault();
      if (event.repeat && !shortcut.repeats) return;
      run();
    };
    window.addEventListener('keydown', onKeyDown, { capture: true });
    return () => window.removeEventListener('keydown', onKeyDown, { capture: true });
  }, [enabled]);
}

// Unsaved edits are not lost without asking: a route change (a link, next or previous study, Back) is held by the
// router's blocker, a change of image within the study goes through `guard`, and closing or reloading the page
// gets the browser's own question (Electron turns it into a dialog of the shell: main/app/run-electron-app.ts).
import { useCallback, useEffect, useState } from 'react';
import { useBlocker } from 'react-router-dom';

export type LeaveGuard = {
  /** runs `leave` at once when nothing is unsaved, else once the reviewer agrees */
  guard: (leave: () => void) => void;
  /** a leave waits for the reviewer's answer */
  asking: boolean;
  stay: () => void;
  leave: () => void;
};

export function useLeaveGuard(unsaved: boolean): LeaveGuard {
  const blocker = useBlocker(unsaved);
  const [waiting, setWaiting] = useState<(() => void) | null>(null);

  useEffect(() => {
    if (!unsaved) return;
    const ask = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', ask);
    return () => window.removeEventListener('beforeunload', ask);
  }, [unsaved]);

  const guard = useCallback((leave: () => void) => (unsaved ? setWaiting(() => leave) : leave()), [unsaved]);
  const stay = useCallback(() => {
    if (blocker.state === 'blocked') blocker.reset();
    setWaiting(null);
  }, [blocker]);
  const leave = useCallback(() => {
    if (blocker.state === 'blocked') blocker.proceed();
    waiting?.();
    setWaiting(null);
  }, [blocker, waiting]);
  return { guard, asking: blocker.state === 'blocked' || waiting !== null, stay, leave };
}

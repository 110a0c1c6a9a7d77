// How `pleura serve` ends: on SIGTERM, SIGINT or SIGHUP, or when the command that started it ends (see
// launcher-watch.ts), and within a bounded time whatever hangs while closing.
import { watchLauncher } from './launcher-watch';

export const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/** Seconds the server and services get to close before the process exits anyway. */
export const STOP_GRACE_MS = 10_000;

type SignalTarget = Pick<NodeJS.Process, 'on' | 'off'>;

/**
 * Resolves with why to stop: the first stop signal, or which launcher ended. The signal handlers are then removed,
 * so a second signal has its default effect and ends the process at once (Ctrl+C twice).
 */
export function stopRequested(target: SignalTarget = process, watch: typeof watchLauncher = watchLauncher): Promise<string> {
  return new Promise((resolve) => {
    const stop = (reason: string) => {
      for (const signal of STOP_SIGNALS) target.off(signal, stop);
      stopWatching();
      resolve(reason);
    };
    for (const signal of STOP_SIGNALS) target.on(signal, stop);
    const stopWatching = watch((which) => stop(`${which} ended`));
  });
}

/**
 * Runs `close`; `overdue` (which exits) runs if the process is still alive `graceMs` after the start: `close` hung,
 * or something it left open still holds the process. A process that closed cleanly has exited before then.
 */
export async function closeWithin(graceMs: number, close: () => Promise<void>, overdue: () => void): Promise<void> {
  // Holds the process while `close` runs; afterwards it only fires if something else still does.
  const deadline = setTimeout(overdue, graceMs);
  try {
    await close();
  } finally {
    deadline.unref();
  }
}

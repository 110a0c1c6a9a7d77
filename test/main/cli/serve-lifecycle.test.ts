import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { closeWithin, STOP_SIGNALS, stopRequested } from '../../../main/cli/serve-lifecycle';

function fakeProcess() {
  return new EventEmitter() as EventEmitter & NodeJS.Process;
}

describe('stopRequested', () => {
  it.each(STOP_SIGNALS)('stops on %s, then leaves a second signal its default effect', async (signal) => {
    const target = fakeProcess();
    const stopWatching = vi.fn();
    const stopping = stopRequested(target, () => stopWatching);
    expect(STOP_SIGNALS.map((s) => target.listenerCount(s))).toEqual([1, 1, 1]);
    target.emit(signal, signal);
    expect(await stopping).toBe(signal);
    expect(STOP_SIGNALS.map((s) => target.listenerCount(s))).toEqual([0, 0, 0]);
    expect(stopWatching).toHaveBeenCalled();
  });

  it('stops when the launcher ends', async () => {
    const target = fakeProcess();
    let launcherGone: (which: string) => void = () => {};
    const stopping = stopRequested(target, (onGone) => {
      launcherGone = onGone;
      return () => {};
    });
    launcherGone('npm run serve (pid 20)');
    expect(await stopping).toBe('npm run serve (pid 20) ended');
    expect(target.listenerCount('SIGTERM')).toBe(0);
  });
});

describe('closeWithin', () => {
  it('gives up on a close that hangs', async () => {
    const overdue = vi.fn();
    void closeWithin(50, () => new Promise(() => {}), overdue);
    await expect.poll(() => overdue.mock.calls.length, { timeout: 2000 }).toBe(1);
  });

  it('passes a failed close on', async () => {
    const overdue = vi.fn();
    await expect(closeWithin(60_000, async () => Promise.reject(new Error('index busy')), overdue)).rejects.toThrow('index busy');
    expect(overdue).not.toHaveBeenCalled();
  });
});

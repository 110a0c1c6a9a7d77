import { describe, expect, it, vi } from 'vitest';
import { launcherChain, parseProcStat, watchLauncher, type ProcReader, type ProcStat } from '../../../main/cli/launcher-watch';

/** A process table: pid → [state, ppid, start time, command line]. */
function table(rows: Record<number, [string, number, string, string]>): ProcReader & { rows: typeof rows } {
  return {
    rows,
    stat: (pid) => (rows[pid] ? { state: rows[pid][0], ppid: rows[pid][1], startTime: rows[pid][2] } : null),
    cmdline: (pid) => rows[pid]?.[3].split(' ') ?? null,
  };
}

describe('parseProcStat', () => {
  it('reads the state, parent and start time, whatever the command name holds', () => {
    const fields = Array.from({ length: 49 }, (_, k) => String(k + 3));
    fields[0] = 'S';
    fields[1] = '4321';
    fields[19] = '987654';
    expect(parseProcStat(`1234 (tsx) watch (x)) ${fields.join(' ')}`)).toEqual<ProcStat>({ state: 'S', ppid: 4321, startTime: '987654' });
  });
});

describe('launcherChain', () => {
  it('is every ancestor up to the npm process that started us', () => {
    const proc = table({
      50: ['S', 40, 't50', 'node --import tsx main/cli/pleura.ts serve'],
      40: ['S', 30, 't40', 'node node_modules/.bin/tsx main/cli/pleura.ts serve'],
      30: ['S', 20, 't30', 'sh -c npm run --silent build:renderer && tsx main/cli/pleura.ts serve'],
      20: ['S', 10, 't20', 'npm run serve'],
      10: ['S', 1, 't10', '-bash'],
    });
    expect(launcherChain(50, proc)).toEqual([
      { pid: 40, startTime: 't40', command: 'node node_modules/.bin/tsx main/cli/pleura.ts serve' },
      { pid: 30, startTime: 't30', command: 'sh -c npm run --silent build:renderer && tsx main/cli/pleura.ts serve' },
      { pid: 20, startTime: 't20', command: 'npm run serve' },
    ]);
  });

  it('knows npm by its process title or by its script', () => {
    const proc = table({ 50: ['S', 40, 't50', 'node'], 40: ['S', 20, 't40', '/usr/bin/node /usr/lib/node_modules/npm/bin/npm-cli.js run serve'], 20: ['S', 1, 't20', 'bash'] });
    expect(launcherChain(50, proc).map((launcher) => launcher.pid)).toEqual([40]);
  });

  it('is the parent alone when no npm started us', () => {
    const proc = table({
      50: ['S', 40, 't50', 'node main/cli/pleura.ts serve'],
      40: ['S', 10, 't40', '-bash'],
      10: ['S', 1, 't10', 'sshd: ann'],
    });
    expect(launcherChain(50, proc)).toEqual([{ pid: 40, startTime: 't40', command: '-bash' }]);
  });
});

describe('watchLauncher', () => {
  it('calls back once when a launcher ends, becomes a zombie or its pid is reused', () => {
    vi.useFakeTimers();
    try {
      for (const end of [(rows: Record<number, unknown>) => delete rows[20], (rows: Record<number, [string, ...unknown[]]>) => (rows[20][0] = 'Z'), (rows: Record<number, [string, number, string, string]>) => (rows[20][2] = 'reused')]) {
        const proc = table({ 50: ['S', 40, 't50', 'node'], 40: ['S', 20, 't40', 'sh -c x'], 20: ['S', 1, 't20', 'npm run serve'] });
        const gone = vi.fn();
        const stop = watchLauncher(gone, { selfPid: 50, proc, intervalMs: 100 });
        vi.advanceTimersByTime(300);
        expect(gone).not.toHaveBeenCalled();
        end(proc.rows as never);
        vi.advanceTimersByTime(300);
        expect(gone).toHaveBeenCalledTimes(1);
        expect(gone.mock.calls[0][0]).toMatch(/npm run serve \(pid 20\)/);
        stop();
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it('watches for a new parent where there is no /proc', () => {
    vi.useFakeTimers();
    try {
      let ppid = 77;
      const gone = vi.fn();
      const stop = watchLauncher(gone, { selfPid: 50, proc: table({}), parentPid: () => ppid, intervalMs: 100 });
      vi.advanceTimersByTime(300);
      ppid = 1;
      vi.advanceTimersByTime(100);
      expect(gone).toHaveBeenCalledWith('the process that started it (pid 77)');
      stop();
    } finally {
      vi.useRealTimers();
    }
  });
});

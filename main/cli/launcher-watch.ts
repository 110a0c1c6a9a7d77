// `pleura serve` must not outlive the command that started it. `npm run serve` starts npm → sh → tsx → node, and
// killing npm with SIGKILL sends nothing down that chain: sh, tsx and the server are re-parented and run on. So
// the server watches its launchers. On Linux: every ancestor up to the nearest npm process (or the parent alone
// when no npm started it), each known by pid and start time (pids are reused), read from /proc; one that is gone
// or a zombie (killed, not yet reaped) ends the watch. Without /proc (macOS, Windows) the parent pid changing
// (the parent died and the process was re-parented) says the same of the direct parent.
import { readFileSync } from 'node:fs';

export type ProcStat = { state: string; ppid: number; startTime: string };

export interface ProcReader {
  stat(pid: number): ProcStat | null;
  /** argv; a process that set its title (npm does) shows it as one string */
  cmdline(pid: number): string[] | null;
}

export type Launcher = { pid: number; startTime: string; command: string };

export const linuxProc: ProcReader = {
  stat: (pid) => {
    try {
      return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return null;
    }
  },
  cmdline: (pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').split('\0');
    } catch {
      return null;
    }
  },
};

export function parseProcStat(text: string): ProcStat {
  // The command name (field 2) is in parentheses and may hold spaces and parentheses itself.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], ppid: Number(fields[1]), startTime: fields[19] };
}

/** The processes whose end means ours: see the top of this file. Empty where /proc cannot be read. */
export function launcherChain(selfPid: number, proc: ProcReader, maxDepth = 8): Launcher[] {
  const chain: Launcher[] = [];
  let pid = proc.stat(selfPid)?.ppid;
  while (pid !== undefined && pid > 1 && chain.length < maxDepth) {
    const stat = proc.stat(pid);
    if (!stat) break;
    const argv = proc.cmdline(pid) ?? [];
    chain.push({ pid, startTime: stat.startTime, command: argv.join(' ') });
    if (isNpm(argv)) return chain;
    pid = stat.ppid;
  }
  return chain.slice(0, 1);
}

function isNpm([first = '', second = '']: string[]): boolean {
  return /^(\S*\/)?npm( |$)/.test(first) || /(^|\/)npm-cli\.js$/.test(second);
}

export interface WatchOptions {
  selfPid?: number;
  proc?: ProcReader;
  parentPid?: () => number;
  intervalMs?: number;
}

/** Polls the launchers; calls `onGone` once, with which one ended, and stops. Returns the stop. */
export function watchLauncher(onGone: (which: string) => void, options: WatchOptions = {}): () => void {
  const { selfPid = process.pid, proc = linuxProc, parentPid = () => process.ppid, intervalMs = 500 } = options;
  const chain = launcherChain(selfPid, proc);
  const firstParent = parentPid();
  const ended = chain.length
    ? () => {
        const gone = chain.find((launcher) => !isRunning(launcher, proc));
        return gone && `${gone.command.slice(0, 120) || 'a launcher'} (pid ${gone.pid})`;
      }
    : () => (parentPid() !== firstParent ? `the process that started it (pid ${firstParent})` : undefined);
  const timer = setInterval(() => {
    const which = ended();
    if (which === undefined) return;
    clearInterval(timer);
    onGone(which);
  }, intervalMs);
  // The watch alone must never keep the process alive.
  timer.unref();
  return () => clearInterval(timer);
}

function isRunning(launcher: Launcher, proc: ProcReader): boolean {
  const stat = proc.stat(launcher.pid);
  return stat !== null && stat.startTime === launcher.startTime && stat.state !== 'Z' && stat.state !== 'X';
}

// A Python reference run whose files the tests take as they appear. vitest runs these files one at a time
// (vitest.config.ts), so on a two-core machine the other core sits idle while a test waits for PyTorch: started in
// the file's beforeAll and not awaited there, the run builds case n + 1 while the test of case n imports and runs
// case n.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface PythonOutputs {
  /**
   * Resolves once `file` is `complete` (by default: exists); rejects, with the script's stderr, if the run failed
   * or ended without completing it.
   */
  written(file: string, complete?: (file: string) => boolean): Promise<void>;
  /** Ends the run if it is still going (a failed test need not wait for the rest) and waits for it to exit. */
  stop(): Promise<void>;
}

const POLL_MS = 100;

export function startPython(python: string, args: readonly string[]): PythonOutputs {
  const script = args[0];
  const child = spawn(python, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${script} failed (${signal ?? `exit status ${code}`}): ${stderr.trim()}`));
    });
  });
  // Each test that waits reports a failure; nobody waiting is no reason to fail the process as unhandled.
  exited.catch(() => {});

  return {
    async written(file, complete = existsSync) {
      while (!complete(file)) {
        const ended = await Promise.race([exited.then(() => true), sleep(POLL_MS, false)]);
        if (ended && !complete(file)) throw new Error(`${script} ended without writing ${file}`);
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      await exited.catch(() => {});
    },
  };
}

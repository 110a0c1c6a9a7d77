// `pleura serve` as a user starts it, in a child process: directly (node + tsx) or through npm (npm → sh → tsx →
// node), with its own data directory and no sample studies (the first run has its own tests).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const repositoryRoot = path.resolve(import.meta.dirname, '../..');

export interface ServeProcess {
  child: ChildProcess;
  /** the exit code, or the signal's name when a signal ended it */
  exited: Promise<number | string | null>;
  /** the printed address with its token; rejects when serve exits first */
  address: Promise<string>;
  output(): string;
  stderr(): string;
}

export function startServe({ dataDir, args = [], viaNpm = false }: { dataDir: string; args?: string[]; viaNpm?: boolean }): ServeProcess {
  const env = { ...process.env, PLEURA_DATA_DIR: dataDir, PLEURA_NO_SAMPLES: '1' };
  const child = viaNpm
    ? // Its own process group, so that a test can clean up whatever npm leaves behind.
      spawn('npm', ['run', '--silent', 'pleura', '--', 'serve', ...args], { cwd: repositoryRoot, env, detached: true })
    : spawn(process.execPath, ['--import', 'tsx', 'main/cli/pleura.ts', 'serve', ...args], { cwd: repositoryRoot, env });
  let output = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk;
    stderr += chunk;
  });
  const exited = new Promise<number | string | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  const address = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', () => {
      const url = /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(output)?.[0];
      if (url) resolve(url);
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${output}`)));
  });
  // Awaited only by tests that expect the server to start.
  address.catch(() => {});
  return { child, exited, address, output: () => output, stderr: () => stderr };
}

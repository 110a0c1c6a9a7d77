// `pleura serve` stops cleanly (server and services closed, exit 0, its lines in the log) on SIGTERM, SIGINT and
// SIGHUP, and stops by itself when the npm process that started it is killed with SIGKILL.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linuxProc } from '../../../main/cli/launcher-watch';
import { logFilePath } from '../../../main/services/operation-log';
import { startServe } from '../../support/serve-process';
import { ensureRendererBuilt } from '../../renderer/renderer-build';

beforeAll(ensureRendererBuilt);
const dir = mkdtempSync(path.join(os.tmpdir(), 'pleura-serve-stop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Gone, or a zombie nobody reaps (here, pid 1 reaps none). */
function processGone(pid: number): boolean {
  const stat = linuxProc.stat(pid);
  return stat === null || stat.state === 'Z';
}

describe('pleura serve stops', () => {
  // Each signal has its own server and data directory: they start side by side, as a process start is seconds of
  // one core's work.
  it.concurrent.for(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)('cleanly on %s, and logs it without the token', async (signal, { expect }) => {
    const dataDir = path.join(dir, signal);
    const serve = startServe({ dataDir });
    const url = new URL(await serve.address);
    const token = url.searchParams.get('token')!;
    serve.child.kill(signal);
    expect(await serve.exited).toBe(0);
    expect(await portOpen(Number(url.port))).toBe(false);
    const log = readFileSync(logFilePath(dataDir), 'utf8');
    expect(log).toMatch(new RegExp(`serve\\.start port=${url.port} pid=${serve.child.pid} `));
    expect(log).toMatch(new RegExp(`serve\\.stop reason=${signal}\\n.* serve\\.stopped ms=\\d+\\n$`));
    expect(serve.stderr()).toMatch(/serve\.stop reason=/);
    expect(log + serve.stderr()).not.toContain(token);
  });

  it.runIf(existsSync('/proc/self/stat'))('when the npm process that started it is killed', async () => {
    const dataDir = path.join(dir, 'npm');
    // `npm run serve` would first rebuild dist/renderer, under the feet of the other tests reading it; the script
    // `pleura` starts the same chain (npm → sh → tsx → node) without the build.
    const npm = startServe({ dataDir, viaNpm: true });
    try {
      const url = new URL(await npm.address);
      const serverPid = Number(/serve\.start port=\d+ pid=(\d+)/.exec(readFileSync(logFilePath(dataDir), 'utf8'))![1]);
      expect(serverPid).not.toBe(npm.child.pid);
      npm.child.kill('SIGKILL');
      await expect.poll(() => processGone(serverPid), { timeout: 8000, interval: 100 }).toBe(true);
      expect(await portOpen(Number(url.port))).toBe(false);
      expect(readFileSync(logFilePath(dataDir), 'utf8')).toMatch(/serve\.stop reason=".*\(pid \d+\) ended"\n.* serve\.stopped/);
    } finally {
      try {
        process.kill(-npm.child.pid!, 'SIGKILL');
      } catch {
        // Nothing of the group is left.
      }
    }
  }, 60_000);
});

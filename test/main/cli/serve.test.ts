// `pleura serve` as a user runs it: a child process that prints its address, answers with the token, and stops
// cleanly on SIGTERM.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');
const rendererBuilt = existsSync(path.join(root, 'dist', 'renderer', 'index.html'));
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pleura-serve-'));

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function startServe(port = '0') {
  const child = spawn(process.execPath, ['--import', 'tsx', 'main/cli/pleura.ts', 'serve', '--port', port], {
    cwd: root,
    // No sample studies: the first run has its own tests (test/main/first-run).
    env: { ...process.env, PLEURA_DATA_DIR: dataDir, PLEURA_NO_SAMPLES: '1' },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const address = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const url = /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(output)?.[0];
      if (url) resolve(url);
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${output}`)));
  });
  // Awaited only by the test that expects the server to start.
  address.catch(() => {});
  return { child, exited, address, output: () => output };
}

describe('pleura serve', () => {
  it.runIf(rendererBuilt)('serves the page and the API with its token, and stops on SIGTERM', async () => {
    const serve = startServe();
    const url = new URL(await serve.address);
    const token = url.searchParams.get('token');
    const page = await fetch(new URL('/', url), { headers: { Authorization: `Bearer ${token}` } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<div id="root">/);
    expect((await fetch(new URL('/', url))).status).toBe(401);
    const info = await fetch(new URL('/api/app.info', url), { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: '{}' });
    expect(info.status).toBe(200);
    expect(Buffer.from(await info.arrayBuffer()).toString()).toContain(`"shell":"browser"`);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(serve.output()).toMatch(/SIGTERM: stopping/);
  });

  it.runIf(!rendererBuilt)('refuses to start without the built renderer, saying how to build it', async () => {
    const serve = startServe();
    expect(await serve.exited).toBe(1);
    expect(serve.output()).toMatch(/npm run build:renderer/);
  });

  it('refuses a bad port', async () => {
    const serve = startServe('eighty');
    expect(await serve.exited).toBe(2);
    expect(serve.output()).toMatch(/--port must be an integer/);
  });

  it.runIf(rendererBuilt)('says so when the port is taken', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const serve = startServe(String((taken.address() as AddressInfo).port));
    expect(await serve.exited).toBe(2);
    expect(serve.output()).toMatch(/is in use/);
    taken.close();
  });
});

// `pleura serve` as a user runs it: a child process that prints its address, answers with the token, and stops
// cleanly on SIGTERM.
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { serve } from '../../../main/cli/commands/serve';
import { runCliCaptured } from '../../support/capture-cli';
import { startServe as startServeProcess } from '../../support/serve-process';
import { ensureRendererBuilt } from '../../renderer/renderer-build';

// In this file's own process only: the in-process serve looks for its page under a root that has none.
vi.mock('../../../main/cli/repository-root', async (original) => ({
  ...(await original<typeof import('../../../main/cli/repository-root')>()),
  repositoryRoot: '/nonexistent/pleura-without-renderer',
}));

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pleura-serve-'));

beforeAll(ensureRendererBuilt);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const startServe = (port = '0') => startServeProcess({ dataDir, args: ['--port', port] });

describe('pleura serve', () => {
  it('serves the page and the API with its token, and stops on SIGTERM', async () => {
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

  it('refuses to start without the built renderer, saying how to build it', async () => {
    const { code, stderr } = await runCliCaptured({ serve }, 'serve', []);
    expect(code).toBe(1);
    expect(stderr).toContain('/nonexistent/pleura-without-renderer/dist/renderer has no index.html');
    expect(stderr).toMatch(/npm run build:renderer/);
  });

  it('refuses a bad port', async () => {
    const serve = startServe('eighty');
    expect(await serve.exited).toBe(2);
    expect(serve.output()).toMatch(/--port must be an integer/);
  });

  it('says so when the port is taken', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const serve = startServe(String((taken.address() as AddressInfo).port));
    expect(await serve.exited).toBe(2);
    expect(serve.output()).toMatch(/is in use/);
    taken.close();
  });
});

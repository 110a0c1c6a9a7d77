import { build } from 'esbuild';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { concatWire, encodeWire } from '../../../main/api/wire';
import type { PleuraBridge } from '../../../main/transports/ipc/bridge';
import { ApiCallError, createApiClient } from '../../../renderer/api';

const root = path.resolve(import.meta.dirname, '../../..');

afterEach(() => vi.unstubAllGlobals());

describe('createApiClient', () => {
  it("uses the preload's window.pleura when there is one", async () => {
    const bridge: PleuraBridge = {
      invoke: vi.fn(async () => ({ ok: false as const, error: { code: 'not-found' as const, message: 'gone', details: { id: 1 } } })),
      on: vi.fn(() => () => {}),
    };
    vi.stubGlobal('pleura', bridge);
    const client = createApiClient();
    await expect(client.invoke('studies.detail', { studyInstanceUid: '1' })).rejects.toEqual(new ApiCallError('not-found', 'gone', { id: 1 }));
    expect(bridge.invoke).toHaveBeenCalledWith('studies.detail', { studyInstanceUid: '1' });
    client.on('scan.done', () => {});
    expect(bridge.on).toHaveBeenCalledWith('scan.done', expect.any(Function));
  });

  it('otherwise calls the server the page came from, relying on its cookie', async () => {
    const fetch = vi.fn(async (_url: string, _init: RequestInit) => new Response(concatWire(encodeWire({ path: null })) as BodyInit));
    vi.stubGlobal('location', { origin: 'http://127.0.0.1:4321' });
    vi.stubGlobal('fetch', fetch);
    expect(await createApiClient().invoke('app.pickFolder', {})).toEqual({ path: null });
    expect(fetch).toHaveBeenCalledWith('http://127.0.0.1:4321/api/app.pickFolder', expect.objectContaining({ method: 'POST', credentials: 'same-origin', body: '{}' }));
    expect(fetch.mock.calls[0][1]).not.toHaveProperty('headers.Authorization');
  });

  it('reports an unreachable server as unavailable', async () => {
    vi.stubGlobal('location', { origin: 'http://127.0.0.1:4321' });
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('fetch failed');
    });
    await expect(createApiClient().invoke('app.info', {})).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('bundles for the browser without Node modules or zod', async () => {
    const result = await build({ entryPoints: [path.join(root, 'renderer/api/index.ts')], bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent' });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((input) => input.includes('node_modules') || input.startsWith('node:'))).toEqual([]);
    expect(result.outputFiles[0].contents.byteLength).toBeLessThan(16 * 1024);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLoopbackClient, type EventSocket } from '../../../renderer/api/loopback-client';

function fakeSockets() {
  const opened: (EventSocket & { url: string; closed: boolean })[] = [];
  const openSocket = (url: string) => {
    const socket = { url, closed: false, onopen: null, onmessage: null, onclose: null, onerror: null, close: () => (socket.closed = true) };
    opened.push(socket);
    return socket as EventSocket & { url: string; closed: boolean };
  };
  return { opened, openSocket };
}

afterEach(() => vi.useRealTimers());

describe('loopback client events', () => {
  it('shares one socket, reopens it with growing delays when it drops, and closes it with the last listener', () => {
    vi.useFakeTimers();
    const { opened, openSocket } = fakeSockets();
    const client = createLoopbackClient({ baseUrl: 'http://127.0.0.1:9', openSocket, reconnectMs: { first: 100, max: 300 } });
    const seen: unknown[] = [];
    const offA = client.on('scan.done', (payload) => seen.push(payload));
    const offB = client.on('scan.progress', () => {});
    expect(opened.map((s) => s.url)).toEqual(['ws://127.0.0.1:9/events']);
    opened[0].onmessage?.({ data: JSON.stringify({ event: 'scan.done', payload: { n: 1 } }) });
    opened[0].onmessage?.({ data: JSON.stringify({ event: 'scan.progress', payload: { n: 2 } }) });
    expect(seen).toEqual([{ n: 1 }]);

    opened[0].onclose?.();
    vi.advanceTimersByTime(99);
    expect(opened).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(opened).toHaveLength(2);
    opened[1].onclose?.();
    vi.advanceTimersByTime(199);
    expect(opened).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(opened).toHaveLength(3);

    offA();
    expect(opened[2].closed).toBe(false);
    offB();
    expect(opened[2].closed).toBe(true);
    opened[2].onclose?.();
    vi.advanceTimersByTime(10_000);
    expect(opened).toHaveLength(3);
  });

  it('lets a call wait until the socket of earlier listeners is open', async () => {
    const { opened, openSocket } = fakeSockets();
    const fetch = vi.fn(async () => new Response(JSON.stringify({ code: 'failed', message: 'x' }), { status: 500 }));
    const client = createLoopbackClient({ baseUrl: 'http://127.0.0.1:9', openSocket, fetch });
    client.on('scan.done', () => {});
    const call = client.invoke('app.info', {}).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(fetch).not.toHaveBeenCalled();
    opened[0].onopen?.();
    expect(await call).toMatchObject({ code: 'failed' });
    expect(fetch).toHaveBeenCalledTimes(1);
    client.close();
  });

  it('describes a non-JSON error reply by its status', async () => {
    const fetch = vi.fn(async () => new Response('<html>proxy error</html>', { status: 502, statusText: 'Bad Gateway' }));
    const client = createLoopbackClient({ baseUrl: 'http://127.0.0.1:9', fetch });
    await expect(client.invoke('app.info', {})).rejects.toMatchObject({ code: 'failed', message: expect.stringMatching(/^HTTP 502 Bad Gateway/) });
  });
});

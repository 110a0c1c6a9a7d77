// GET /events: a WebSocket that receives every hub event as JSON { event, payload }. One hub subscription for
// all sockets, each event serialised once.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';
import type { EventHub } from '../../api/events';

export interface EventSockets {
  accept(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): Promise<void>;
}

export function createEventSockets(events: EventHub): EventSockets {
  // Clients never send anything meaningful: a small payload limit keeps a misbehaving one cheap.
  const server = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const unsubscribe = events.subscribe((event, payload) => {
    const message = JSON.stringify({ event, payload });
    for (const client of server.clients) if (client.readyState === WebSocket.OPEN) client.send(message);
  });
  return {
    accept(request, socket, head) {
      server.handleUpgrade(request, socket, head, (client) => server.emit('connection', client, request));
    },
    close() {
      unsubscribe();
      for (const client of server.clients) client.terminate();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Refuses an upgrade on the raw socket, before any WebSocket exists. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

// POST /api/<service.method>: a JSON body of arguments in, a wire-encoded result (or a JSON error) out.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatch } from '../../api/dispatch';
import { encodeWire, WIRE_CONTENT_TYPE } from '../../api/wire';
import { sendError } from './responses';

export const API_PREFIX = '/api/';
// Arguments are small (ids, a folder path); anything bigger is a mistake or an attack.
const MAX_BODY_BYTES = 64 * 1024;

export async function handleApiCall(request: IncomingMessage, response: ServerResponse, method: string, dispatch: Dispatch): Promise<void> {
  if (request.method !== 'POST') {
    response.setHeader('Allow', 'POST');
    return sendError(response, { code: 'invalid-argument', message: `API calls use POST, not ${request.method}` }, 405);
  }
  const body = await readBody(request);
  if (body === 'too-large') {
    response.setHeader('Connection', 'close');
    return sendError(response, { code: 'invalid-argument', message: `request body exceeds ${MAX_BODY_BYTES} bytes` }, 413);
  }
  let args: unknown;
  try {
    args = body.length === 0 ? undefined : JSON.parse(body.toString('utf8'));
  } catch (error) {
    return sendError(response, { code: 'invalid-argument', message: `request body is not JSON: ${(error as Error).message}` });
  }
  const outcome = await dispatch(method, args);
  if (!outcome.ok) return sendError(response, outcome.error);
  const { chunks, byteLength } = encodeWire(outcome.result);
  response.writeHead(200, { 'Content-Type': WIRE_CONTENT_TYPE, 'Content-Length': byteLength, 'Cache-Control': 'no-store' });
  for (const chunk of chunks) response.write(chunk);
  response.end();
}

async function readBody(request: IncomingMessage): Promise<Buffer | 'too-large'> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of request as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > MAX_BODY_BYTES) return 'too-large';
    parts.push(part);
  }
  return Buffer.concat(parts);
}

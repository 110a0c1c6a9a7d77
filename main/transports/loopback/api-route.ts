// POST /api/<service.method>: a JSON body of arguments in, a wire-encoded result (or a JSON error) out.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_ENCODED_PIXELS, type ApiMethod } from '../../api/contract';
import { isApiMethod, type Dispatch } from '../../api/dispatch';
import { encodeWire, WIRE_CONTENT_TYPE } from '../../api/wire';
import { sendError } from './responses';

export const API_PREFIX = '/api/';
// Arguments are small (ids, a folder path); anything bigger is a mistake or an attack.
const MAX_BODY_BYTES = 64 * 1024;
/** Methods that carry more: the schema's own limit (ASCII, so bytes), with the small limit's room for the rest. */
const LARGER_BODIES: Partial<Record<ApiMethod, number>> = { 'review.save': MAX_ENCODED_PIXELS + MAX_BODY_BYTES };

function maxBodyBytes(method: string): number {
  return (isApiMethod(method) && LARGER_BODIES[method]) || MAX_BODY_BYTES;
}

export async function handleApiCall(request: IncomingMessage, response: ServerResponse, method: string, dispatch: Dispatch): Promise<void> {
  if (request.method !== 'POST') {
    response.setHeader('Allow', 'POST');
    return sendError(response, { code: 'invalid-argument', message: `API calls use POST, not ${request.method}` }, 405);
  }
  const limit = maxBodyBytes(method);
  const body = await readBody(request, limit);
  if (body === 'too-large') {
    response.setHeader('Connection', 'close');
    return sendError(response, { code: 'invalid-argument', message: `request body exceeds ${limit} bytes` }, 413);
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

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of request as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > limit) return 'too-large';
    parts.push(part);
  }
  return Buffer.concat(parts);
}

import type { ServerResponse } from 'node:http';
import type { ApiErrorCode, SerializedApiError } from '../../api/contract';

const statusOf: Record<ApiErrorCode, number> = {
  'invalid-argument': 400,
  unauthorized: 401,
  'unknown-method': 404,
  'not-found': 404,
  failed: 500,
  unavailable: 503,
};

export function sendError(response: ServerResponse, error: SerializedApiError, status = statusOf[error.code]): void {
  const body = JSON.stringify(error);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  response.end(body);
}

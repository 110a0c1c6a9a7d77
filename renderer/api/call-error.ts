import type { ApiErrorCode, SerializedApiError } from '../../main/api/contract';
import type { ApiOutcome } from '../../main/api/dispatch';

/** A failed call as the renderer sees it, over either transport: the contract's code, message and details. */
export class ApiCallError extends Error implements SerializedApiError {
  override name = 'ApiCallError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function resultOf<T>(outcome: ApiOutcome): T {
  if (outcome.ok) return outcome.result as T;
  throw new ApiCallError(outcome.error.code, outcome.error.message, outcome.error.details);
}

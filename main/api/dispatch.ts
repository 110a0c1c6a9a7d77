// The one place a call from either transport meets the services: the method name is checked against the
// contract, the arguments are validated with the contract's zod schema, and every failure leaves as a
// SerializedApiError. Transports never see thrown values, so nothing (stack traces, error classes) leaks through
// a transport's own error handling.
import { ApiError, apiArgs, type ApiHandlers, type ApiMethod, type SerializedApiError } from './contract';

export type ApiOutcome<T = unknown> = { ok: true; result: T } | { ok: false; error: SerializedApiError };

export type Dispatch = (method: string, args: unknown) => Promise<ApiOutcome>;

export interface DispatchOptions {
  /** Sees every error that is not an ApiError (a bug or an environment failure) with its stack, for the log. */
  onUnexpectedError?: (method: string, error: unknown) => void;
}

export function isApiMethod(name: string): name is ApiMethod {
  // Own properties only: "toString" or "__proto__" are not methods.
  return Object.hasOwn(apiArgs, name);
}

export function createDispatch(handlers: ApiHandlers, options: DispatchOptions = {}): Dispatch {
  return async (method, args) => {
    try {
      return { ok: true, result: await invokeValidated(handlers, method, args) };
    } catch (error) {
      if (!(error instanceof ApiError)) options.onUnexpectedError?.(method, error);
      return { ok: false, error: serializeError(error) };
    }
  };
}

async function invokeValidated(handlers: ApiHandlers, method: string, args: unknown): Promise<unknown> {
  if (!isApiMethod(method)) {
    throw new ApiError('unknown-method', `unknown method "${method}"; methods: ${Object.keys(apiArgs).join(', ')}`);
  }
  // A missing body means "no arguments": the empty object, which the schemas of argument-less methods accept.
  const parsed = apiArgs[method].safeParse(args ?? {});
  if (!parsed.success) {
    const summary = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(arguments)'}: ${issue.message}`);
    throw new ApiError('invalid-argument', `invalid arguments for ${method}: ${summary.join('; ')}`, parsed.error.issues);
  }
  const handler = handlers[method] as (args: unknown) => Promise<unknown>;
  return handler(parsed.data);
}

/** Any thrown value as the wire shape: ApiErrors keep code and details, anything else becomes 'failed'. */
export function serializeError(error: unknown): SerializedApiError {
  if (error instanceof ApiError) {
    return error.details === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, details: error.details };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'failed', message: message || 'the call failed' };
}

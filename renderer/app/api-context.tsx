// The one API client, handed down through React context, and a small hook for "call once, show the result".
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import type { ApiArgs, ApiClient, ApiMethod, ApiResults } from '../../main/api/contract';
import { errorMessage } from './error-message';

const ApiContext = createContext<ApiClient | null>(null);

export function ApiProvider({ client, children }: { client: ApiClient; children: ReactNode }) {
  return <ApiContext.Provider value={client}>{children}</ApiContext.Provider>;
}

export function useApi(): ApiClient {
  const client = useContext(ApiContext);
  if (!client) throw new Error('useApi() needs an <ApiProvider> above it');
  return client;
}

export type Loadable<T> = { state: 'loading' } | { state: 'ok'; value: T } | { state: 'error'; message: string };

/** Calls `method` with `args`, again whenever the args or `revision` change; the latest answer wins. */
export function useApiQuery<M extends ApiMethod>(method: M, args: ApiArgs<M>, revision = 0): Loadable<ApiResults[M]> {
  const client = useApi();
  const [result, setResult] = useState<Loadable<ApiResults[M]>>({ state: 'loading' });
  const argsKey = JSON.stringify(args);
  useEffect(() => {
    let current = true;
    client.invoke(method, JSON.parse(argsKey) as ApiArgs<M>).then(
      (value) => current && setResult({ state: 'ok', value }),
      (error: unknown) => current && setResult({ state: 'error', message: errorMessage(error) }),
    );
    return () => {
      current = false;
    };
  }, [client, method, argsKey, revision]);
  return result;
}

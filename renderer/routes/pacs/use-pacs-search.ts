// Searching the PACS: the latest search's answer wins (an earlier, slower one is dropped), and the same search can
// be asked again quietly, keeping its rows on screen, when what is local has changed.
import { useCallback, useRef, useState } from 'react';
import type { ApiArgs, PacsStudy } from '../../../main/api/contract';
import { useApi } from '../../app/api-context';
import { errorMessage } from '../../app/error-message';

type SearchArgs = ApiArgs<'pacs.search'>;
export type PacsSearch =
  | { state: 'idle' }
  | { state: 'searching'; args: SearchArgs }
  | { state: 'ok'; args: SearchArgs; studies: PacsStudy[] }
  | { state: 'error'; args: SearchArgs; message: string };

export function usePacsSearch() {
  const client = useApi();
  const [search, setSearch] = useState<PacsSearch>({ state: 'idle' });
  const latest = useRef<{ ticket: number; args: SearchArgs | null }>({ ticket: 0, args: null });

  const ask = useCallback(
    async (args: SearchArgs) => {
      const ticket = ++latest.current.ticket;
      latest.current.args = args;
      try {
        const studies = await client.invoke('pacs.search', args);
        if (ticket === latest.current.ticket) setSearch({ state: 'ok', args, studies });
      } catch (error) {
        if (ticket === latest.current.ticket) setSearch({ state: 'error', args, message: errorMessage(error) });
      }
    },
    [client],
  );

  const start = useCallback(
    (args: SearchArgs) => {
      setSearch({ state: 'searching', args });
      return ask(args);
    },
    [ask],
  );

  const refresh = useCallback(() => {
    if (latest.current.args) void ask(latest.current.args);
  }, [ask]);

  return { search, start, refresh };
}

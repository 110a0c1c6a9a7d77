// The PACS connections as this window sees them: loaded once from `pacs.settings`, replaced by what
// `pacs.updateSettings` and `pacs.setSecret` answer. A refused change leaves them as they were and keeps the
// service's reason (its validation message names the field).
import { useCallback, useEffect, useState } from 'react';
import type { PacsInfo, PacsSettings } from '../../../main/api/contract';
import { useApi, type Loadable } from '../../app/api-context';
import { errorMessage } from '../../app/error-message';

export function usePacsSettings() {
  const client = useApi();
  const [info, setInfo] = useState<Loadable<PacsInfo>>({ state: 'loading' });
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [secretProblem, setSecretProblem] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    client.invoke('pacs.settings', {}).then(
      (value) => current && setInfo({ state: 'ok', value }),
      (error: unknown) => current && setInfo({ state: 'error', message: errorMessage(error) }),
    );
    return () => {
      current = false;
    };
  }, [client]);

  /** Resolves what the service kept, or null when it refused. */
  const change = useCallback(async (call: () => Promise<PacsInfo>, report: (problem: string | null) => void, failure: string): Promise<PacsInfo | null> => {
    setBusy(true);
    report(null);
    try {
      const value = await call();
      setInfo({ state: 'ok', value });
      return value;
    } catch (error) {
      report(`${failure}: ${errorMessage(error)}`);
      return null;
    } finally {
      setBusy(false);
    }
  }, []);

  const save = useCallback(
    (settings: PacsSettings) => change(() => client.invoke('pacs.updateSettings', settings), setProblem, 'Could not save the PACS settings'),
    [client, change],
  );
  /** null forgets the stored secret. */
  const setSecret = useCallback(
    (secret: string | null) => change(() => client.invoke('pacs.setSecret', { secret }), setSecretProblem, 'Could not store the secret'),
    [client, change],
  );

  return { info, busy, problem, secretProblem, save, setSecret };
}

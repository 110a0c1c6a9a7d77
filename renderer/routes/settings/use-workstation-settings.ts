// The workstation settings as this window sees them: loaded once from `settings.get`, replaced by what
// `settings.update` answers. A failed save leaves the shown settings as they were and keeps the reason.
import { useCallback, useEffect, useState } from 'react';
import type { WorkstationSettings } from '../../../main/api/contract';
import { useApi, type Loadable } from '../../app/api-context';
import { errorMessage } from '../../app/error-message';

export function useWorkstationSettings() {
  const client = useApi();
  const [settings, setSettings] = useState<Loadable<WorkstationSettings>>({ state: 'loading' });
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    client.invoke('settings.get', {}).then(
      (value) => current && setSettings({ state: 'ok', value }),
      (error: unknown) => current && setSettings({ state: 'error', message: errorMessage(error) }),
    );
    return () => {
      current = false;
    };
  }, [client]);

  /** Resolves true when the service took the change. */
  const update = useCallback(
    async (patch: Partial<WorkstationSettings>): Promise<boolean> => {
      setBusy(true);
      setProblem(null);
      try {
        setSettings({ state: 'ok', value: await client.invoke('settings.update', patch) });
        return true;
      } catch (error) {
        setProblem(`Could not save the settings: ${errorMessage(error)}`);
        return false;
      } finally {
        setBusy(false);
      }
    },
    [client],
  );

  return { settings, busy, problem, update };
}

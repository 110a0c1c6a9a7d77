// The PACS job and arrivals from this window's point of view: `pacs.status` on load and every few seconds (polls and
// received images change it without an event), the `pacs.progress` events for the job, and starting (retrieve,
// push) and cancelling jobs.
import { useCallback, useEffect, useState } from 'react';
import type { PacsJob, PacsStatus } from '../../../main/api/contract';
import { useApi, type Loadable } from '../../app/api-context';
import { errorMessage } from '../../app/error-message';
import { fresherPacsJob, isPacsJobActive } from './pacs-job';

const STATUS_REFRESH_MS = 5000;

/** `onJobEnded` runs when a job this window follows ends: what is local has changed. */
export function usePacsActivity(onJobEnded: () => void) {
  const client = useApi();
  const [status, setStatus] = useState<Loadable<PacsStatus>>({ state: 'loading' });
  const [job, setJob] = useState<PacsJob | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const follow = useCallback((next: PacsJob | null) => {
    if (next) setJob((current) => fresherPacsJob(current, next));
  }, []);

  useEffect(() => {
    let current = true;
    const refresh = () =>
      client.invoke('pacs.status', {}).then(
        (value) => {
          if (!current) return;
          setStatus({ state: 'ok', value });
          follow(value.job);
        },
        (error: unknown) => current && setStatus({ state: 'error', message: errorMessage(error) }),
      );
    void refresh();
    const timer = setInterval(refresh, STATUS_REFRESH_MS);
    const off = client.on('pacs.progress', (next) => {
      follow(next);
      if (!isPacsJobActive(next)) {
        onJobEnded();
        void refresh();
      }
    });
    return () => {
      current = false;
      clearInterval(timer);
      off();
    };
  }, [client, follow, onJobEnded]);

  const start = useCallback(
    async (call: () => Promise<PacsJob>, failure: string) => {
      setProblem(null);
      try {
        follow(await call());
      } catch (error) {
        setProblem(`${failure}: ${errorMessage(error)}`);
      }
    },
    [follow],
  );
  const retrieve = useCallback(
    (source: string, studyInstanceUids: string[]) => start(() => client.invoke('pacs.retrieve', { source, studyInstanceUids }), 'Could not retrieve the studies'),
    [client, start],
  );
  const push = useCallback(
    (studyInstanceUids: string[]) => start(() => client.invoke('pacs.push', { studyInstanceUids }), 'Could not send the results'),
    [client, start],
  );
  const cancel = useCallback(async () => {
    try {
      await client.invoke('pacs.cancel', {});
    } catch (error) {
      setProblem(`Could not cancel: ${errorMessage(error)}`);
    }
  }, [client]);

  return { status, job, problem, retrieve, push, cancel };
}

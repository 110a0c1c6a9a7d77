// The triage job from this window's point of view: the running or latest one (triage.status on load, then the
// triage.progress / triage.done events), starting one and cancelling it.
import { useCallback, useEffect, useState } from 'react';
import type { TriageJob } from '../../../main/api/contract';
import { useApi } from '../../app/api-context';
import { errorMessage } from '../../app/error-message';
import { fresherJob } from './triage-job';

export function useTriageJob(onDone: () => void) {
  const client = useApi();
  const [job, setJob] = useState<TriageJob | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const follow = useCallback((next: TriageJob | null) => {
    if (next) setJob((current) => fresherJob(current, next));
  }, []);

  useEffect(() => {
    let current = true;
    client.invoke('triage.status', {}).then(
      ({ job: latest }) => current && follow(latest),
      (error: unknown) => current && setProblem(`Cannot read the triage job: ${errorMessage(error)}`),
    );
    const offProgress = client.on('triage.progress', follow);
    const offDone = client.on('triage.done', (ended) => {
      follow(ended);
      onDone();
    });
    return () => {
      current = false;
      offProgress();
      offDone();
    };
  }, [client, follow, onDone]);

  /** All studies when `studyInstanceUids` is absent. */
  const start = useCallback(
    async (studyInstanceUids?: string[]) => {
      setProblem(null);
      try {
        follow(await client.invoke('triage.start', studyInstanceUids ? { studyInstanceUids } : {}));
      } catch (error) {
        setProblem(`Could not start the triage: ${errorMessage(error)}`);
      }
    },
    [client, follow],
  );

  const cancel = useCallback(async () => {
    try {
      await client.invoke('triage.cancel', {});
    } catch (error) {
      setProblem(`Could not cancel the triage: ${errorMessage(error)}`);
    }
  }, [client]);

  return { job, problem, start, cancel };
}

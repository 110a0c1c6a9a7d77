// The latest "Make an INT8 version" job as this window sees it: loaded once from `quantize.status`, then kept current
// by the `quantize.progress` and `quantize.done` events (done: the model list changed). Actions report their failure
// instead of throwing.
import { useEffect, useState } from 'react';
import type { QuantizeJob, QuantizeRequest } from '../../../main/api/contract';
import { useApi } from '../../app/api-context';
import { errorMessage } from '../../app/error-message';
import { useBusyAction } from '../../app/use-busy-action';

export type QuantizeControls = {
  job: QuantizeJob | null;
  busy: boolean;
  problem: string | null;
  /** the shell has a native folder dialog */
  canPickFolder: boolean;
  start: (request: QuantizeRequest) => void;
  cancel: () => void;
};

export function useQuantization(onModelsChanged: () => void, canPickFolder: boolean): QuantizeControls {
  const client = useApi();
  const [job, setJob] = useState<QuantizeJob | null>(null);
  const { busy, problem, setProblem, act } = useBusyAction<QuantizeJob>(setJob);

  useEffect(() => {
    let current = true;
    client.invoke('quantize.status', {}).then(
      (status) => current && setJob(status.job),
      (error: unknown) => current && setProblem(`Could not read the INT8 job: ${errorMessage(error)}`),
    );
    const stopProgress = client.on('quantize.progress', setJob);
    const stopDone = client.on('quantize.done', (ended) => {
      setJob(ended);
      onModelsChanged();
    });
    return () => {
      current = false;
      stopProgress();
      stopDone();
    };
  }, [client, onModelsChanged]);

  return {
    job,
    busy,
    problem,
    canPickFolder,
    start: (request) => void act(() => client.invoke('quantize.start', request)),
    cancel: () =>
      void act(async () => {
        await client.invoke('quantize.cancel', {});
        return null;
      }),
  };
}

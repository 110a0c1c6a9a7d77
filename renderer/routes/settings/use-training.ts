// The latest training run as this window sees it: loaded once from `training.status` (which carries the curve
// history, so a reloaded page redraws the curves), then kept current by the `training.progress` and
// `training.done` events. Actions report their failure instead of throwing.
import { useCallback, useEffect, useState } from 'react';
import type { TrainingPoint, TrainingRequest, TrainingRun } from '../../../main/api/contract';
import { useApi } from '../../app/api-context';
import { errorMessage } from '../../app/error-message';
import { useBusyAction } from '../../app/use-busy-action';

/** New points replace any at or after their start: a resumed run repeats the steps since its last checkpoint. */
export function mergePoints(history: readonly TrainingPoint[], points: readonly TrainingPoint[]): TrainingPoint[] {
  if (points.length === 0) return [...history];
  return [...history.filter((point) => point.at < points[0].at), ...points];
}

export function useTraining(onModelsChanged: () => void) {
  const client = useApi();
  const [run, setRun] = useState<TrainingRun | null>(null);
  const { busy, problem, setProblem, act } = useBusyAction<TrainingRun>(setRun);
  const [loaded, setLoaded] = useState(false);
  const [revision, setRevision] = useState(0);

  useEffect(() => {
    let current = true;
    client.invoke('training.status', {}).then(
      (status) => {
        if (!current) return;
        setRun(status.run);
        setLoaded(true);
      },
      (error: unknown) => current && setProblem(`Could not read the training status: ${errorMessage(error)}`),
    );
    return () => {
      current = false;
    };
  }, [client, revision]);

  useEffect(() => {
    const stopProgress = client.on('training.progress', ({ progress, points }) =>
      setRun((current) => {
        // A run this window has not seen (started elsewhere): fetch it whole.
        if (current?.runId !== progress.runId) {
          setRevision((r) => r + 1);
          return current;
        }
        return { ...current, progress, history: mergePoints(current.history, points) };
      }),
    );
    const stopDone = client.on('training.done', (ended) => {
      setRun(ended);
      onModelsChanged();
    });
    return () => {
      stopProgress();
      stopDone();
    };
  }, [client, onModelsChanged]);

  const runId = run?.runId;
  const afterDecision = useCallback(async () => {
    onModelsChanged();
    return (await client.invoke('training.status', {})).run;
  }, [client, onModelsChanged]);

  return {
    run,
    loaded,
    busy,
    problem,
    start: (request: TrainingRequest) => act(() => client.invoke('training.start', request)),
    cancel: () =>
      act(async () => {
        await client.invoke('training.cancel', {});
        setRun((current) => (current && current.state === 'running' ? { ...current, state: 'cancelling' } : current));
      }),
    resume: () => act(() => client.invoke('training.resume', { runId })),
    promote: () => act(async () => (runId ? (await client.invoke('models.promote', { runId }), afterDecision()) : null)),
    discard: () => act(async () => (runId ? (await client.invoke('models.discard', { runId }), afterDecision()) : null)),
  };
}

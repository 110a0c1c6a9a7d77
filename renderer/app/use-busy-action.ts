// One action at a time on a job the page follows: busy while it runs, its failure kept as words instead of thrown,
// and what it resolves to (a newer job state) handed on. Shared by the training and INT8 panels.
import { useCallback, useState } from 'react';
import { errorMessage } from './error-message';

export function useBusyAction<T>(onResult: (value: T) => void) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const act = useCallback(
    async (work: () => Promise<T | null | void>) => {
      setBusy(true);
      setProblem(null);
      try {
        const next = await work();
        if (next) onResult(next);
      } catch (error) {
        setProblem(errorMessage(error));
      } finally {
        setBusy(false);
      }
    },
    [onResult],
  );
  return { busy, problem, setProblem, act };
}

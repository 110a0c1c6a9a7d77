// One folder scan at a time from this window: its live progress (the `scan.progress` events of the running scan)
// and its outcome.
import { useCallback, useEffect, useState } from 'react';
import type { ScanProgress, ScanSummary } from '../../../main/api/contract';
import { useApi } from '../../app/api-context';
import { errorMessage } from '../../app/error-message';

export type ScanState =
  | { state: 'idle' }
  | { state: 'running'; root: string; progress: ScanProgress | null }
  | { state: 'done'; summary: ScanSummary }
  | { state: 'failed'; root: string; message: string };

export function useScan(onSettled: () => void) {
  const client = useApi();
  const [scan, setScan] = useState<ScanState>({ state: 'idle' });

  useEffect(
    () =>
      client.on('scan.progress', (progress) =>
        setScan((current) => (current.state === 'running' ? { ...current, progress } : current)),
      ),
    [client],
  );

  const start = useCallback(
    async (root: string) => {
      setScan({ state: 'running', root, progress: null });
      try {
        setScan({ state: 'done', summary: await client.invoke('studies.scan', { path: root }) });
      } catch (error) {
        setScan({ state: 'failed', root, message: errorMessage(error) });
      } finally {
        onSettled();
      }
    },
    [client, onSettled],
  );

  const cancel = useCallback(() => {
    if (scan.state === 'running' && scan.progress) void client.invoke('studies.cancelScan', { scanId: scan.progress.scanId });
  }, [client, scan]);

  return { scan, start, cancel };
}

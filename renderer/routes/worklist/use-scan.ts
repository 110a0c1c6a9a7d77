// One folder scan at a time from this window: its live progress (the `scan.progress` events of the running scan),
// its outcome, and the folder the latest settled scan was of (whose file errors the worklist lists).
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
  const [scannedRoot, setScannedRoot] = useState<string | null>(null);

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
        const summary = await client.invoke('studies.scan', { path: root });
        setScan({ state: 'done', summary });
        setScannedRoot(summary.root);
      } catch (error) {
        setScan({ state: 'failed', root, message: errorMessage(error) });
        setScannedRoot(root);
      } finally {
        onSettled();
      }
    },
    [client, onSettled],
  );

  const cancel = useCallback(() => {
    if (scan.state === 'running' && scan.progress) void client.invoke('studies.cancelScan', { scanId: scan.progress.scanId });
  }, [client, scan]);

  return { scan, scannedRoot, start, cancel };
}

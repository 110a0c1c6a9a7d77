// The reading order the viewer was opened with (reading-order.ts), or, without one, the worklist's priority order
// as 'studies.worklist' returns it. null until known; a worklist that cannot be loaded gives no neighbours.
import { useEffect, useState } from 'react';
import { useLocation } from 'react-router-dom';
import { useApi } from '../../app/api-context';
import { readingOrderOf } from './reading-order';

export function useReadingOrder(): readonly string[] | null {
  const passed = readingOrderOf(useLocation().state);
  const client = useApi();
  const [priorityOrder, setPriorityOrder] = useState<readonly string[] | null>(null);
  const needed = passed === null;
  useEffect(() => {
    if (!needed) return;
    let current = true;
    client.invoke('studies.worklist', {}).then(
      (rows) => current && setPriorityOrder(rows.map((row) => row.studyInstanceUid)),
      () => current && setPriorityOrder([]),
    );
    return () => {
      current = false;
    };
  }, [client, needed]);
  return passed ?? priorityOrder;
}

// The studies ticked in a table: a set of Study Instance UIDs and one callback that ticks or unticks several at once.
import { useCallback, useState } from 'react';

export function useStudySelection() {
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const onSelect = useCallback(
    (uids: string[], select: boolean) =>
      setSelected((current) => {
        const next = new Set(current);
        for (const uid of uids) {
          if (select) next.add(uid);
          else next.delete(uid);
        }
        return next;
      }),
    [],
  );
  return { selected, setSelected, onSelect };
}

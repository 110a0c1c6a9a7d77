// The header checkbox of a table of studies: ticked when every row is selected, mixed (indeterminate) when some are.
import { useEffect, useRef } from 'react';

interface Props {
  /** the Study Instance UIDs of the rows shown */
  uids: readonly string[];
  selected: ReadonlySet<string>;
  onSelect: (uids: string[], on: boolean) => void;
  label: string;
  testId: string;
}

export function SelectAllBox({ uids, selected, onSelect, label, testId }: Props) {
  const box = useRef<HTMLInputElement>(null);
  const count = uids.filter((uid) => selected.has(uid)).length;
  const all = uids.length > 0 && count === uids.length;
  useEffect(() => {
    if (box.current) box.current.indeterminate = count > 0 && !all;
  }, [count, all]);
  return <input ref={box} type="checkbox" checked={all} disabled={uids.length === 0} onChange={() => onSelect([...uids], !all)} aria-label={label} data-testid={testId} />;
}

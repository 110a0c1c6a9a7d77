// Narrowing the worklist: by flag, by status, by text (patient name, patient ID, accession, study UID); and the
// way back from a column sort to the priority order.
import { formatNumber } from '../../app/format';
import { flagKindNames, flagKinds, statusKinds } from './triage-flag';
import { noFilter, type WorklistFilter } from './worklist-view';

type Props = {
  filter: WorklistFilter;
  onFilter: (filter: WorklistFilter) => void;
  inPriorityOrder: boolean;
  onPriorityOrder: () => void;
  shown: number;
  total: number;
};

export function WorklistFilters({ filter, onFilter, inPriorityOrder, onPriorityOrder, shown, total }: Props) {
  const filtered = filter.flag !== noFilter.flag || filter.status !== noFilter.status || filter.text !== noFilter.text;
  return (
    <div className="worklist-filters" role="search" aria-label="Filter the worklist">
      <FilterSelect label="Flag" value={filter.flag} options={flagKinds.map((kind) => [kind, flagKindNames[kind]])} onChange={(flag) => onFilter({ ...filter, flag })} testId="filter-flag" />
      <FilterSelect label="Status" value={filter.status} options={statusKinds.map((status) => [status, status])} onChange={(status) => onFilter({ ...filter, status })} testId="filter-status" />
      <input
        type="search"
        className="worklist-filters__search"
        value={filter.text}
        onChange={(event) => onFilter({ ...filter, text: event.target.value })}
        placeholder="Patient, ID or accession"
        aria-label="Search patient name, patient ID or accession number"
        spellCheck={false}
        autoComplete="off"
        data-testid="worklist-search"
      />
      {filtered && (
        <button type="button" className="button" onClick={() => onFilter(noFilter)} data-testid="filter-clear">
          Clear filters
        </button>
      )}
      <button type="button" className="button" aria-pressed={inPriorityOrder} onClick={onPriorityOrder} data-testid="sort-priority">
        Priority order
      </button>
      <span className="worklist-filters__count muted" data-testid="worklist-count" aria-live="polite">
        {shown === total ? `${formatNumber(total)} studies` : `${formatNumber(shown)} of ${formatNumber(total)} studies`}
      </span>
    </div>
  );
}

type FilterSelectProps<T extends string> = {
  label: string;
  value: T | 'all';
  /** value and words, after "All" */
  options: [T, string][];
  onChange: (value: T | 'all') => void;
  testId: string;
};

function FilterSelect<T extends string>({ label, value, options, onChange, testId }: FilterSelectProps<T>) {
  return (
    <label className="worklist-filters__field">
      {label}
      <select value={value} onChange={(event) => onChange(event.target.value as T | 'all')} data-testid={testId}>
        <option value="all">All</option>
        {options.map(([option, words]) => (
          <option key={option} value={option}>
            {words}
          </option>
        ))}
      </select>
    </label>
  );
}

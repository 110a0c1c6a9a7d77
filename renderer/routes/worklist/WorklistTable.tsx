// The studies, one row each, windowed: only the rows in view (and a few either side) are in the DOM, so
// thousands scroll smoothly. Rows are focusable: Tab reaches the table, arrow keys, Page Up/Down, Home and End move
// between rows (scrolling them into view), Enter opens the study, Space selects it for triage.
import { memo, useCallback, useLayoutEffect, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useNavigate } from 'react-router-dom';
import { formatDicomDate, formatNumber, formatPersonName, formatText } from '../../app/format';
import { SelectAllBox } from '../../app/SelectAllBox';
import { viewerPath, viewerState } from '../paths';
import { FlagCell } from './FlagCell';
import { flagWordsOf } from './triage-flag';
import { formatAreaCm2, formatScore, formatSide } from './triage-format';
import { useRowWindow } from './use-row-window';
import type { SortKey, WorklistItem, WorklistSort } from './worklist-view';

/** What the CSS aims a row at; the hook measures the real one. */
const estimatedRowHeight = 36;

type Column = { key: SortKey; label: string; className: string; cell: (item: WorklistItem) => ReactNode };

const columns: Column[] = [
  { key: 'flag', label: 'Flag', className: 'col-flag', cell: ({ row, flag }) => <FlagCell row={row} kind={flag} /> },
  { key: 'score', label: 'Score', className: 'col-score numeric', cell: ({ row }) => formatScore(row.triage?.score) },
  { key: 'area', label: 'Area', className: 'col-area numeric', cell: ({ row }) => formatAreaCm2(row.triage?.areaCm2) },
  { key: 'side', label: 'Side', className: 'col-side', cell: ({ row }) => formatSide(row.triage?.side) },
  { key: 'status', label: 'Status', className: 'col-status', cell: (item) => <StatusCell item={item} /> },
  { key: 'patient', label: 'Patient', className: 'col-patient worklist__patient clip', cell: ({ row }) => <span title={formatPersonName(row.patientName)}>{formatPersonName(row.patientName)}</span> },
  { key: 'patientId', label: 'Patient ID', className: 'col-id mono clip', cell: ({ row }) => <span title={formatText(row.patientId)}>{formatText(row.patientId)}</span> },
  { key: 'date', label: 'Study date', className: 'col-date mono', cell: ({ row }) => formatDicomDate(row.studyDate) },
  { key: 'view', label: 'View', className: 'col-view', cell: ({ row }) => formatText(row.view) },
  { key: 'images', label: 'Images', className: 'col-images numeric', cell: ({ row }) => <ImagesCell imageCount={row.imageCount} errorCount={row.errorCount} /> },
];

type Props = {
  items: WorklistItem[];
  sort: WorklistSort;
  onSort: (key: SortKey) => void;
  selected: ReadonlySet<string>;
  onSelect: (studyInstanceUids: string[], selected: boolean) => void;
};

export function WorklistTable({ items, sort, onSort, selected, onSelect }: Props) {
  const navigate = useNavigate();
  const { container, containerRef, span, rowHeight, pageRows, scrollToIndex } = useRowWindow(items.length, estimatedRowHeight);
  const [focusTarget, setFocusTarget] = useState<number | null>(null);

  // Focus moves to a row once it is rendered, which for a row outside the window is after the scroll.
  useLayoutEffect(() => {
    if (focusTarget === null) return;
    const row = container?.querySelector<HTMLElement>(`tr[data-index="${focusTarget}"]`);
    if (!row) return;
    row.focus({ preventScroll: true });
    setFocusTarget(null);
  });

  // The viewer reads on in the order shown here (this sort and filter) with its next and previous study.
  const open = useCallback(
    (studyInstanceUid: string) => navigate(viewerPath(studyInstanceUid), { state: viewerState(items.map((item) => item.row.studyInstanceUid)) }),
    [navigate, items],
  );
  const toggle = useCallback((studyInstanceUid: string) => onSelect([studyInstanceUid], !selected.has(studyInstanceUid)), [onSelect, selected]);
  const onKeyDown = useCallback(
    (event: KeyboardEvent<HTMLTableRowElement>, index: number) => {
      // The row's checkbox handles its own keys.
      if (event.target !== event.currentTarget) return;
      const last = items.length - 1;
      const target = { ArrowDown: index + 1, ArrowUp: index - 1, PageDown: index + pageRows, PageUp: index - pageRows, Home: 0, End: last }[event.key];
      if (event.key === 'Enter') open(items[index].row.studyInstanceUid);
      else if (event.key === ' ') toggle(items[index].row.studyInstanceUid);
      else if (target === undefined) return;
      else {
        const clamped = Math.min(Math.max(target, 0), last);
        scrollToIndex(clamped);
        setFocusTarget(clamped);
      }
      event.preventDefault();
    },
    [items, pageRows, open, toggle, scrollToIndex],
  );

  const visible = items.slice(span.start, span.end);
  return (
    <div className="worklist-scroll" ref={containerRef}>
      <table className="worklist worklist--windowed" data-testid="worklist-table" aria-rowcount={items.length + 1}>
        <caption className="visually-hidden">Studies, most urgent first unless sorted by a column</caption>
        <colgroup>
          <col className="col-select" />
          {columns.map((column) => (
            <col key={column.key} className={column.className.split(' ')[0]} />
          ))}
        </colgroup>
        <thead>
          <tr aria-rowindex={1}>
            <th scope="col">
              <SelectAllBox uids={items.map((item) => item.row.studyInstanceUid)} selected={selected} onSelect={onSelect} label="Select every study shown for triage" testId="select-all" />
            </th>
            {columns.map((column) => (
              <th key={column.key} scope="col" aria-sort={sort?.key === column.key ? sort.direction : undefined} className={column.className.includes('numeric') ? 'numeric' : undefined}>
                <button type="button" className="worklist__sort" onClick={() => onSort(column.key)} data-testid={`sort-${column.key}`}>
                  {column.label}
                  <span aria-hidden="true" className="worklist__sort-mark">
                    {sort?.key === column.key ? (sort.direction === 'ascending' ? ' ▲' : ' ▼') : ''}
                  </span>
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {span.padTop > 0 && <Spacer height={span.padTop} />}
          {visible.map((item, offset) => (
            <Row
              key={item.row.studyInstanceUid}
              item={item}
              index={span.start + offset}
              height={rowHeight}
              selected={selected.has(item.row.studyInstanceUid)}
              onOpen={open}
              onToggle={toggle}
              onKeyDown={onKeyDown}
            />
          ))}
          {span.padBottom > 0 && <Spacer height={span.padBottom} />}
        </tbody>
      </table>
      {items.length === 0 && (
        <p className="worklist-no-match muted" data-testid="worklist-no-match">
          No study matches the filters.
        </p>
      )}
    </div>
  );
}

type RowProps = {
  item: WorklistItem;
  index: number;
  height: number;
  selected: boolean;
  onOpen: (studyInstanceUid: string) => void;
  onToggle: (studyInstanceUid: string) => void;
  onKeyDown: (event: KeyboardEvent<HTMLTableRowElement>, index: number) => void;
};

const Row = memo(function Row({ item, index, height, selected, onOpen, onToggle, onKeyDown }: RowProps) {
  const { row, flag, status } = item;
  const uid = row.studyInstanceUid;
  const patient = formatPersonName(row.patientName);
  return (
    <tr
      tabIndex={0}
      className={`worklist__row${selected ? ' worklist__row--selected' : ''}`}
      style={{ height }}
      aria-rowindex={index + 2}
      aria-label={`Open study of ${patient}: ${flagWordsOf(row)}${row.triage?.demonstrationModel ? ' (demonstration model)' : ''}`}
      data-testid="worklist-row"
      data-index={index}
      data-study-uid={uid}
      data-flag={flag}
      data-score={row.triage?.score ?? undefined}
      data-status={status}
      data-selected={selected}
      onClick={() => onOpen(uid)}
      onKeyDown={(event) => onKeyDown(event, index)}
    >
      <td className="worklist__select" onClick={(event) => event.stopPropagation()}>
        <input type="checkbox" checked={selected} onChange={() => onToggle(uid)} aria-label={`Select study of ${patient} for triage`} data-testid="row-select" />
      </td>
      {columns.map((column) => (
        <td key={column.key} className={column.className}>
          {column.cell(item)}
        </td>
      ))}
    </tr>
  );
});

function StatusCell({ item: { status, progress } }: { item: WorklistItem }) {
  return (
    <span className={`status status--${status}`}>
      {status}
      {progress && progress.done < progress.total && (
        <>
          {' '}
          <span className="mono">
            {formatNumber(progress.done)}/{formatNumber(progress.total)}
          </span>
          <progress className="status__bar" max={progress.total} value={progress.done} aria-label="Study triage progress" data-testid="study-progress" />
        </>
      )}
    </span>
  );
}

function ImagesCell({ imageCount, errorCount }: { imageCount: number; errorCount: number }) {
  return (
    <>
      {formatNumber(imageCount)}
      {errorCount > 0 && <span className="text-warn" title={`${errorCount} of its files could not be read`}>{` (${formatNumber(errorCount)} unreadable)`}</span>}
    </>
  );
}

function Spacer({ height }: { height: number }) {
  return (
    <tr aria-hidden="true" className="worklist__spacer" style={{ height }}>
      <td colSpan={columns.length + 1} />
    </tr>
  );
}

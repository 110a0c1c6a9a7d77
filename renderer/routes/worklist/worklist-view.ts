// The worklist as shown: every row with its flag and status, filtered, then sorted by a column or left in the
// priority order the main side returned (positives by score, then untriaged and stale, negatives, errors).
import type { TriageState, WorklistRow } from '../../../main/api/contract';
import { formatPersonName } from '../../app/format';
import { flagKinds, flagOf, statusKinds, statusOf, type FlagKind, type StudyProgress } from './triage-flag';

export type WorklistItem = {
  row: WorklistRow;
  flag: FlagKind;
  status: TriageState;
  /** images done out of queued while a job runs on this study, else null */
  progress: StudyProgress | null;
  /** the row's place in the main side's priority order */
  priority: number;
};

export function toItems(rows: readonly WorklistRow[], progress: ReadonlyMap<string, StudyProgress>): WorklistItem[] {
  return rows.map((row, priority) => {
    const studyProgress = progress.get(row.studyInstanceUid) ?? null;
    return { row, flag: flagOf(row), status: statusOf(row, studyProgress), progress: studyProgress, priority };
  });
}

export type WorklistFilter = { flag: FlagKind | 'all'; status: TriageState | 'all'; text: string };
export const noFilter: WorklistFilter = { flag: 'all', status: 'all', text: '' };

/** Whether the filter hides anything: a search of spaces does not. */
export function isFiltered(filter: WorklistFilter): boolean {
  return filter.flag !== 'all' || filter.status !== 'all' || filter.text.trim() !== '';
}

export function filterItems(items: readonly WorklistItem[], filter: WorklistFilter): WorklistItem[] {
  const needle = filter.text.trim().toLowerCase();
  return items.filter(
    (item) =>
      (filter.flag === 'all' || item.flag === filter.flag) &&
      (filter.status === 'all' || item.status === filter.status) &&
      (!needle || searchText(item.row).includes(needle)),
  );
}

function searchText({ patientName, patientId, accessionNumber, studyInstanceUid }: WorklistRow): string {
  // The raw DICOM name too, so "doe^jane" finds what the table shows as "Doe, Jane".
  return [formatPersonName(patientName), patientName, patientId, accessionNumber, studyInstanceUid].filter(Boolean).join('\n').toLowerCase();
}

export type SortKey = 'flag' | 'score' | 'area' | 'side' | 'status' | 'patient' | 'patientId' | 'date' | 'view' | 'images';
export type SortDirection = 'ascending' | 'descending';
/** null: the priority order. */
export type WorklistSort = { key: SortKey; direction: SortDirection } | null;

type SortValue = string | number | null;

const sortValues: Record<SortKey, (item: WorklistItem) => SortValue> = {
  flag: (item) => flagKinds.indexOf(item.flag),
  score: (item) => item.row.triage?.score ?? null,
  area: (item) => item.row.triage?.areaCm2 ?? null,
  side: (item) => item.row.triage?.side ?? null,
  status: (item) => statusKinds.indexOf(item.status),
  patient: (item) => item.row.patientName && formatPersonName(item.row.patientName).toLowerCase(),
  patientId: (item) => item.row.patientId,
  date: (item) => item.row.studyDate,
  view: (item) => item.row.view,
  images: (item) => item.row.imageCount,
};

/** Where a first click on a column sorts it: numbers that matter most when high come high first. */
export function firstDirection(key: SortKey): SortDirection {
  return key === 'score' || key === 'area' || key === 'images' || key === 'date' ? 'descending' : 'ascending';
}

/** A click on a column: sorts by it, or turns its direction round when it already sorts. */
export function nextSort(current: WorklistSort, key: SortKey): WorklistSort {
  if (current?.key !== key) return { key, direction: firstDirection(key) };
  return { key, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Stable: equal values keep their priority order. Missing values go last in either direction. */
export function sortItems(items: readonly WorklistItem[], sort: WorklistSort): WorklistItem[] {
  if (!sort) return [...items].sort((a, b) => a.priority - b.priority);
  const value = sortValues[sort.key];
  const sign = sort.direction === 'ascending' ? 1 : -1;
  const keyed = items.map((item) => ({ item, value: value(item) }));
  keyed.sort((a, b) => {
    if (a.value === null || b.value === null) return a.value === b.value ? a.item.priority - b.item.priority : a.value === null ? 1 : -1;
    const order = typeof a.value === 'number' && typeof b.value === 'number' ? a.value - b.value : collator.compare(String(a.value), String(b.value));
    return order === 0 ? a.item.priority - b.item.priority : sign * order;
  });
  return keyed.map(({ item }) => item);
}

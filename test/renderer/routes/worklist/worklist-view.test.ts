import { describe, expect, it } from 'vitest';
import { filterItems, isFiltered, nextSort, noFilter, sortItems, toItems } from '../../../../renderer/routes/worklist/worklist-view';
import { studyRow } from './worklist-rows';

// In the main side's priority order: positives by score, then untriaged and stale, not flagged, not assessed, errors.
const rows = [
  studyRow('p1', { flag: 'positive', score: 0.97, areaCm2: 20, side: 'right' }, { patientName: 'Zeta^Ann', studyDate: '20240301' }),
  studyRow('p2', { flag: 'positive', score: 0.71, areaCm2: 3.5, side: 'left' }, { patientName: 'Alpha^Bo', imageCount: 4 }),
  studyRow('u1', null, { patientName: 'doe^jane', accessionNumber: 'XR-7781' }),
  studyRow('s1', { state: 'stale', words: 'Stale — re-triage', score: 0.9 }, { studyDate: null }),
  studyRow('n1', { flag: 'not-flagged', maxProbability: 0.05, score: 0.05, areaCm2: 0 }, { patientName: 'Mid^Cy', studyDate: '20230101' }),
  studyRow('h1', { state: 'not-assessed', flag: 'not-assessed' }, { patientName: 'Hip^Hal', studyDate: '20230102' }),
  studyRow('e1', { state: 'error', words: 'Triage failed' }, { patientName: null }),
];
const items = toItems(rows, new Map([['u1', { done: 1, total: 2 }]]));
const uids = (list: typeof items) => list.map((item) => item.row.studyInstanceUid);

describe('worklist view', () => {
  it('keeps the priority order when not sorted, whatever order it is handed', () => {
    expect(uids(sortItems([...items].reverse(), null))).toEqual(['p1', 'p2', 'u1', 's1', 'n1', 'h1', 'e1']);
  });

  it('sorts by a column, equal values in priority order, missing values last either way', () => {
    expect(uids(sortItems(items, { key: 'score', direction: 'descending' }))).toEqual(['p1', 's1', 'p2', 'n1', 'u1', 'h1', 'e1']);
    expect(uids(sortItems(items, { key: 'score', direction: 'ascending' }))).toEqual(['n1', 'p2', 's1', 'p1', 'u1', 'h1', 'e1']);
    expect(uids(sortItems(items, { key: 'area', direction: 'descending' }))).toEqual(['p1', 'p2', 'n1', 'u1', 's1', 'h1', 'e1']);
    expect(uids(sortItems(items, { key: 'patient', direction: 'ascending' }))).toEqual(['p2', 'u1', 'h1', 'n1', 's1', 'p1', 'e1']);
    expect(uids(sortItems(items, { key: 'date', direction: 'descending' }))).toEqual(['p1', 'p2', 'u1', 'e1', 'h1', 'n1', 's1']);
    expect(uids(sortItems(items, { key: 'images', direction: 'descending' }))[0]).toBe('p2');
    expect(uids(sortItems(items, { key: 'flag', direction: 'descending' }))).toEqual(['e1', 'h1', 'n1', 's1', 'u1', 'p1', 'p2']);
    expect(uids(sortItems(items, { key: 'status', direction: 'ascending' }))).toEqual(['u1', 'p1', 'p2', 'n1', 's1', 'h1', 'e1']);
  });

  it('turns a column’s direction round on a second click, and starts high-first for numbers', () => {
    expect(nextSort(null, 'score')).toEqual({ key: 'score', direction: 'descending' });
    expect(nextSort(null, 'patient')).toEqual({ key: 'patient', direction: 'ascending' });
    expect(nextSort({ key: 'score', direction: 'descending' }, 'score')).toEqual({ key: 'score', direction: 'ascending' });
    expect(nextSort({ key: 'score', direction: 'descending' }, 'side')).toEqual({ key: 'side', direction: 'ascending' });
  });

  it('knows when a filter hides anything, so that an export can cover what it shows', () => {
    expect(isFiltered(noFilter)).toBe(false);
    expect(isFiltered({ ...noFilter, text: '   ' })).toBe(false);
    expect(isFiltered({ ...noFilter, text: 'doe' })).toBe(true);
    expect(isFiltered({ ...noFilter, status: 'reviewed' })).toBe(true);
    expect(isFiltered({ ...noFilter, flag: 'positive' })).toBe(true);
  });

  it('filters by flag, by status and by text in the patient name, IDs and accession', () => {
    expect(uids(filterItems(items, noFilter))).toEqual(uids(items));
    expect(uids(filterItems(items, { ...noFilter, flag: 'positive' }))).toEqual(['p1', 'p2']);
    expect(uids(filterItems(items, { ...noFilter, flag: 'stale' }))).toEqual(['s1']);
    expect(uids(filterItems(items, { ...noFilter, status: 'running' }))).toEqual(['u1']);
    expect(uids(filterItems(items, { ...noFilter, status: 'error' }))).toEqual(['e1']);
    expect(uids(filterItems(items, { ...noFilter, text: '  DOE, jane ' }))).toEqual(['u1']);
    expect(uids(filterItems(items, { ...noFilter, text: 'doe^jane' }))).toEqual(['u1']);
    expect(uids(filterItems(items, { ...noFilter, text: 'xr-778' }))).toEqual(['u1']);
    expect(uids(filterItems(items, { ...noFilter, text: 'ID-n1' }))).toEqual(['n1']);
    expect(uids(filterItems(items, { ...noFilter, flag: 'positive', text: 'zeta' }))).toEqual(['p1']);
    expect(uids(filterItems(items, { ...noFilter, flag: 'not-flagged' }))).toEqual(['n1']);
    expect(uids(filterItems(items, { ...noFilter, flag: 'not-assessed' }))).toEqual(['h1']);
    expect(uids(filterItems(items, { ...noFilter, flag: 'pending' }))).toEqual(['u1']);
    expect(filterItems(items, { ...noFilter, flag: 'not-flagged', status: 'error' })).toEqual([]);
  });

  it('sorts 5,000 rows fast enough to do on every keystroke', () => {
    const many = toItems(
      Array.from({ length: 5000 }, (_, i) => studyRow(`s${i}`, i % 3 ? { flag: 'not-flagged', maxProbability: (i % 97) / 97 } : null, { patientName: `P^${i}` })),
      new Map(),
    );
    const started = performance.now();
    const sorted = sortItems(filterItems(many, { ...noFilter, text: 'p, 1' }), { key: 'patient', direction: 'descending' });
    expect(performance.now() - started).toBeLessThan(250);
    expect(sorted[0].row.patientName).toBe('P^1999');
  });
});

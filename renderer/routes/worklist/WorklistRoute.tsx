import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { useApi, useApiQuery } from '../../app/api-context';
import { useStudySelection } from '../../app/use-study-selection';
import { formatNumber } from '../../app/format';
import { worklistExport } from '../exports/export-plan';
import { exportsPath } from '../paths';
import { AutoTriageToggle } from './AutoTriageToggle';
import { DemoBanner } from './DemoBanner';
import { FileErrorList } from './FileErrorList';
import { OpenFolder } from './OpenFolder';
import { ScanStatus } from './ScanStatus';
import { TriageJobBar } from './TriageJobBar';
import { isJobActive, studyProgressOf } from './triage-job';
import { useScan } from './use-scan';
import { useTriageJob } from './use-triage-job';
import { WorklistFilters } from './WorklistFilters';
import { WorklistTable } from './WorklistTable';
import { filterItems, isFiltered, nextSort, noFilter, sortItems, toItems, type SortKey, type WorklistFilter, type WorklistSort } from './worklist-view';
import './worklist.css';

export function WorklistRoute() {
  const client = useApi();
  // Bumped after every scan and every change of verdicts, ours or another window's, so the lists below reload.
  const [revision, setRevision] = useState(0);
  const reload = useCallback(() => setRevision((value) => value + 1), []);
  useEffect(() => client.on('scan.done', reload), [client, reload]);
  useEffect(() => client.on('worklist.changed', reload), [client, reload]);

  const info = useApiQuery('app.info', {}, revision);
  const worklist = useApiQuery('studies.worklist', {}, revision);
  const { scan, scannedRoot, start: startScan, cancel: cancelScan } = useScan(reload);
  const fileErrors = useApiQuery('studies.fileErrors', scannedRoot ? { root: scannedRoot } : {}, revision);
  const errorsHeading = useRef<HTMLHeadingElement>(null);
  const showErrors = useCallback(() => {
    errorsHeading.current?.scrollIntoView({ block: 'start' });
    errorsHeading.current?.focus({ preventScroll: true });
  }, []);
  const navigate = useNavigate();
  // The first run announces itself (app.info) but not its end when it fails before any scan: ask until it is over.
  const preparing = info.state === 'ok' && info.value.demo?.preparing === true;
  useEffect(() => {
    if (!preparing) return;
    const timer = setInterval(reload, 1000);
    return () => clearInterval(timer);
  }, [preparing, reload]);
  const triage = useTriageJob(reload);
  const pathInput = useRef<HTMLInputElement>(null);

  const [filter, setFilter] = useState<WorklistFilter>(noFilter);
  const [sort, setSort] = useState<WorklistSort>(null);
  const { selected, setSelected, onSelect } = useStudySelection();
  const onSort = useCallback((key: SortKey) => setSort((current) => nextSort(current, key)), []);

  const rows = worklist.state === 'ok' ? worklist.value : null;
  const progress = useMemo(() => studyProgressOf(triage.job), [triage.job]);
  const items = useMemo(() => (rows ? toItems(rows, progress) : []), [rows, progress]);
  const shown = useMemo(() => sortItems(filterItems(items, filter), sort), [items, filter, sort]);
  // Studies no longer in the index cannot stay selected.
  const selection = useMemo(() => items.map((item) => item.row.studyInstanceUid).filter((uid) => selected.has(uid)), [items, selected]);
  const jobActive = isJobActive(triage.job);
  const filtered = isFiltered(filter);
  const shownUids = useMemo(() => shown.map((item) => item.row.studyInstanceUid), [shown]);
  const exportChoice = worklistExport(selection, shownUids, filtered);

  return (
    <div className="worklist-route">
      {info.state === 'ok' && info.value.indexRecovery && (
        <p className="index-recovery" role="alert" data-testid="index-recovery">
          {info.value.indexRecovery.message}
        </p>
      )}
      {info.state === 'ok' && info.value.demo && <DemoBanner info={info.value} demo={info.value.demo} onScan={startScan} pathInput={pathInput} />}
      <div className="toolbar">
        {info.state === 'ok' && <OpenFolder info={info.value} busy={scan.state === 'running'} onScan={startScan} pathInput={pathInput} />}
        {info.state === 'error' && <p role="alert">Cannot reach Pleura's services: {info.message}</p>}
      </div>
      <ScanStatus scan={scan} onCancel={cancelScan} onShowErrors={showErrors} />
      {rows && rows.length > 0 && (
        <div className="toolbar triage-toolbar">
          <button
            type="button"
            className="button button--primary"
            disabled={jobActive}
            onClick={() => void triage.start(selection.length > 0 ? selection : undefined)}
            data-testid="triage-button"
            aria-label={selection.length > 0 ? `Triage the ${selection.length} selected studies` : 'Triage every study not yet triaged by the current model'}
          >
            {selection.length > 0 ? `Triage ${formatNumber(selection.length)} selected` : 'Triage all'}
          </button>
          {selection.length > 0 && (
            <button type="button" className="button" onClick={() => setSelected(new Set())} data-testid="selection-clear">
              Clear selection
            </button>
          )}
          <button
            type="button"
            className="button"
            disabled={filtered && selection.length === 0 && shown.length === 0}
            onClick={() => navigate(exportsPath, { state: exportChoice.state })}
            data-testid="worklist-export"
          >
            {exportChoice.label}
          </button>
          <AutoTriageToggle />
          {triage.problem && (
            <span className="triage-problem" role="alert" data-testid="triage-problem">
              {triage.problem}
            </span>
          )}
        </div>
      )}
      {triage.job && <TriageJobBar job={triage.job} onCancel={() => void triage.cancel()} />}
      {worklist.state === 'loading' && <p className="muted">Loading the worklist…</p>}
      {worklist.state === 'error' && <p role="alert">Could not load the worklist: {worklist.message}</p>}
      {rows && rows.length === 0 && preparing && (
        <div className="empty-state" data-testid="worklist-preparing" role="status">
          <h2>Preparing the sample studies…</h2>
          <p>Pleura is installing its demonstration model and writing synthetic sample studies; they appear here in a few seconds, triaged.</p>
        </div>
      )}
      {rows && rows.length === 0 && !preparing && info.state !== 'loading' && (
        <div className="empty-state" data-testid="worklist-empty">
          <h2>No studies yet</h2>
          <p>Choose a folder of DICOM files above; Pleura indexes it (read-only) and lists its studies here.</p>
        </div>
      )}
      {rows && rows.length > 0 && (
        <>
          <WorklistFilters filter={filter} onFilter={setFilter} inPriorityOrder={sort === null} onPriorityOrder={() => setSort(null)} shown={shown.length} total={items.length} />
          <WorklistTable items={shown} sort={sort} onSort={onSort} selected={selected} onSelect={onSelect} />
        </>
      )}
      {fileErrors.state === 'ok' && <FileErrorList errors={fileErrors.value} root={scannedRoot} headingRef={errorsHeading} />}
      {fileErrors.state === 'error' && <p role="alert">Could not load the file errors: {fileErrors.message}</p>}
    </div>
  );
}

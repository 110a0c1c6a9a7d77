// The PACS page (`/pacs`): search the DICOMweb server or a DIMSE peer for studies, see how much of each is already
// here, retrieve the chosen ones (they are indexed and triaged as they arrive, then listed on the worklist) and send
// their results back; follow the job, and see how studies arrive on their own (polling, the listener).
import { useMemo } from 'react';
import { Link } from 'react-router-dom';
import type { PacsSettings, PacsStudy } from '../../../main/api/contract';
import { useApiQuery } from '../../app/api-context';
import { useStudySelection } from '../../app/use-study-selection';
import { formatNumber } from '../../app/format';
import { settingsPath } from '../paths';
import { isPacsJobActive } from './pacs-job';
import { sourceChoices } from './pacs-search';
import { PacsJobBar } from './PacsJobBar';
import { PacsSearchForm } from './PacsSearchForm';
import { PacsStatusPanel } from './PacsStatusPanel';
import { PacsStudyTable } from './PacsStudyTable';
import { usePacsActivity } from './use-pacs-activity';
import { usePacsSearch } from './use-pacs-search';
import './pacs.css';

export function PacsRoute() {
  const info = useApiQuery('pacs.settings', {});
  const { search, start: startSearch, refresh: refreshSearch } = usePacsSearch();
  // A finished job changed what is local: the same search again shows it.
  const activity = usePacsActivity(refreshSearch);
  const jobActive = isPacsJobActive(activity.job);
  const sources = info.state === 'ok' ? sourceChoices(info.value.settings) : [];

  return (
    <div className="pacs" data-testid="pacs">
      <h1>PACS</h1>
      {info.state === 'error' && <p className="pacs__problem" role="alert">Could not read the PACS settings: {info.message}</p>}
      {info.state === 'loading' && <p className="muted">Loading…</p>}
      {info.state === 'ok' && sources.length === 0 && (
        <div className="empty-state" data-testid="pacs-not-configured">
          <h2>No PACS is configured</h2>
          <p>
            Add a DICOMweb server or a DIMSE peer in <Link to={settingsPath}>Settings → PACS</Link>; then search its studies and retrieve them here.
          </p>
        </div>
      )}
      {sources.length > 0 && <PacsSearchForm sources={sources} searching={search.state === 'searching'} onSearch={(args) => void startSearch(args)} />}
      {activity.problem && (
        <p className="pacs__problem" role="alert" data-testid="pacs-problem">
          {activity.problem}
        </p>
      )}
      {activity.job && <PacsJobBar job={activity.job} onCancel={() => void activity.cancel()} />}
      {search.state === 'searching' && <p className="muted" role="status">Searching…</p>}
      {search.state === 'error' && (
        <p className="pacs__problem" role="alert" data-testid="pacs-search-error">
          The search failed: {search.message}
        </p>
      )}
      {search.state === 'ok' && info.state === 'ok' && (
        <PacsResults
          key={JSON.stringify(search.args)}
          source={search.args.source}
          settings={info.value.settings}
          studies={search.studies}
          jobActive={jobActive}
          onRetrieve={activity.retrieve}
          onPush={activity.push}
        />
      )}
      <PacsStatusPanel status={activity.status} />
    </div>
  );
}

type ResultsProps = {
  /** the source the studies were found on: they are retrieved from it */
  source: string;
  settings: PacsSettings;
  studies: PacsStudy[];
  jobActive: boolean;
  onRetrieve: (source: string, studyInstanceUids: string[]) => Promise<void>;
  onPush: (studyInstanceUids: string[]) => Promise<void>;
};

function PacsResults({ source, settings, studies, jobActive, onRetrieve, onPush }: ResultsProps) {
  const { selected, onSelect } = useStudySelection();
  // A quiet refresh may drop a study: it cannot stay chosen.
  const chosen = useMemo(() => studies.map((study) => study.studyInstanceUid).filter((uid) => selected.has(uid)), [studies, selected]);
  const count = formatNumber(chosen.length);

  return (
    <section className="pacs-results" aria-label="Studies found">
      <div className="toolbar">
        <span role="status" data-testid="pacs-result-count">
          {studies.length === 1 ? '1 study found' : `${formatNumber(studies.length)} studies found`}
        </span>
        <button type="button" className="button button--primary" disabled={chosen.length === 0 || jobActive} onClick={() => void onRetrieve(source, chosen)} data-testid="pacs-retrieve">
          Retrieve {count} selected
        </button>
        <button
          type="button"
          className="button"
          disabled={chosen.length === 0 || jobActive || !settings.dicomweb}
          onClick={() => void onPush(chosen)}
          title={settings.dicomweb ? undefined : 'Results are sent to the DICOMweb server; none is configured.'}
          data-testid="pacs-push"
        >
          Send results of {count} selected
        </button>
        {jobActive && <span className="muted">One PACS job at a time: wait for it or cancel it.</span>}
      </div>
      {studies.length > 0 ? (
        <div className="pacs-table__scroll">
          <PacsStudyTable studies={studies} selected={selected} onSelect={onSelect} />
        </div>
      ) : (
        <p className="muted" data-testid="pacs-no-results">
          No study matches.
        </p>
      )}
    </section>
  );
}

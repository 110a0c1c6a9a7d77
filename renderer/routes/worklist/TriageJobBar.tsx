// The triage job's progress over all its images and studies, its cancel button, and how the last job ended.
import type { TriageJob } from '../../../main/api/contract';
import { formatNumber } from '../../app/format';
import { isJobActive } from './triage-job';

export function TriageJobBar({ job, onCancel }: { job: TriageJob; onCancel: () => void }) {
  const studiesDone = job.studies.filter((study) => study.done >= study.total).length;
  const counts = `${formatNumber(job.done)} of ${formatNumber(job.total)} images, ${formatNumber(studiesDone)} of ${formatNumber(job.studies.length)} studies`;
  const failed = job.failed > 0 && <span className="text-warn">, {formatNumber(job.failed)} failed</span>;

  if (isJobActive(job)) {
    const speed = job.msPerImage === null ? '' : ` · ${formatNumber(job.msPerImage)} ms per image`;
    return (
      <div className="triage-job" data-testid="triage-job" data-state={job.state} role="status">
        <span>
          {stateWords[job.state]}: {counts}
          {failed}
          <span className="muted">{speed}</span>
        </span>
        <progress className="triage-job__bar" max={Math.max(job.total, 1)} value={job.done + job.failed} aria-label="Triage progress" data-testid="triage-progress" />
        <button type="button" className="button" onClick={onCancel} disabled={job.state === 'cancelling'} data-testid="triage-cancel">
          Cancel triage
        </button>
      </div>
    );
  }

  return (
    <p className={`triage-job${job.state === 'failed' ? ' triage-job--failed' : ''}`} data-testid="triage-job" data-state={job.state} role="status">
      {stateWords[job.state]}: {counts}
      {failed}
      {job.error && `. ${job.error}`}
    </p>
  );
}

const stateWords: Record<TriageJob['state'], string> = {
  running: 'Triaging',
  cancelling: 'Cancelling the triage',
  finished: 'Triage finished',
  cancelled: 'Triage cancelled',
  failed: 'Triage failed',
};

// The PACS job (retrieve, poll, push): its progress in words and as a bar, Cancel while it runs, every image that
// failed, and the way to the worklist, where retrieved studies appear as they are indexed and triaged.
import { Link } from 'react-router-dom';
import type { PacsJob } from '../../../main/api/contract';
import { worklistPath } from '../paths';
import { isPacsJobActive, pacsJobSummary } from './pacs-job';

export function PacsJobBar({ job, onCancel }: { job: PacsJob; onCancel: () => void }) {
  const active = isPacsJobActive(job);
  return (
    <section className={`pacs-job pacs-job--${job.state}`} aria-label="PACS job" data-testid="pacs-job" data-state={job.state} data-kind={job.kind}>
      <div className="pacs-job__line">
        <span role="status" data-testid="pacs-job-summary">
          {pacsJobSummary(job)}
        </span>
        {active && (
          <progress className="pacs-job__bar" max={Math.max(job.instances.total, 1)} value={job.instances.done} aria-label="PACS job progress" data-testid="pacs-job-progress" />
        )}
        {active && (
          <button type="button" className="button" onClick={onCancel} data-testid="pacs-cancel">
            Cancel
          </button>
        )}
        {job.kind !== 'push' && (
          <Link to={worklistPath} data-testid="pacs-open-worklist">
            Open worklist
          </Link>
        )}
      </div>
      {job.errors.length > 0 && (
        <ul className="pacs-job__errors" aria-label="Images that failed" data-testid="pacs-job-errors">
          {job.errors.map((error, i) => (
            <li key={`${error.sopInstanceUid ?? 'job'}-${i}`} data-testid="pacs-job-error">
              <span className="mono">{error.sopInstanceUid ?? 'whole job'}</span>: {error.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

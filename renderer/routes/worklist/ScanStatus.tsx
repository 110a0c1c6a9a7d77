// The running scan's progress bar, or the last scan's outcome; its error count leads to the list of those files.
import { formatDuration, formatNumber } from '../../app/format';
import type { ScanState } from './use-scan';

type Props = { scan: ScanState; onCancel: () => void; onShowErrors: () => void };

export function ScanStatus({ scan, onCancel, onShowErrors }: Props) {
  switch (scan.state) {
    case 'idle':
      return null;
    case 'running': {
      const { progress } = scan;
      const reading = progress?.phase === 'reading' && progress.filesSeen > 0;
      return (
        <div className="scan-status" data-testid="scan-running">
          <span className="scan-status__label">
            {progress ? `${progress.phase === 'listing' ? 'Listing' : 'Reading'} ${formatNumber(progress.filesDone)} / ${formatNumber(progress.filesSeen)} files` : `Scanning ${scan.root}`}
          </span>
          <progress
            className="scan-status__bar"
            data-testid="scan-progress"
            max={reading ? progress.filesSeen : undefined}
            value={reading ? progress.filesDone : undefined}
            aria-label="Scan progress"
          />
          <button type="button" className="button" onClick={onCancel} disabled={!progress}>
            Cancel
          </button>
        </div>
      );
    }
    case 'done': {
      const { summary } = scan;
      return (
        <p className="scan-status" data-testid="scan-summary" role="status">
          {summary.cancelled ? 'Scan cancelled' : 'Scanned'} {summary.root}: {formatNumber(summary.filesSeen)} files,{' '}
          {formatNumber(summary.studies)} studies, {formatNumber(summary.added)} added, {formatNumber(summary.updated)} updated,{' '}
          {formatNumber(summary.removed)} gone, {formatNumber(summary.skipped)} not DICOM (skipped),{' '}
          {summary.errors > 0 ? (
            <button type="button" className="link-button text-warn" onClick={onShowErrors} data-testid="scan-errors-link" title="Show the files not indexed">
              {formatNumber(summary.errors)} {summary.errors === 1 ? 'error' : 'errors'}
            </button>
          ) : (
            <span>0 errors</span>
          )}{' '}
          in{' '}
          {formatDuration(summary.durationMs)}
        </p>
      );
    }
    case 'failed':
      return (
        <p className="scan-status scan-status--failed" data-testid="scan-failed" role="alert">
          Could not scan {scan.root}: {scan.message}
        </p>
      );
  }
}

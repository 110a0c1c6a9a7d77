// How studies arrive without being asked for: polling of the DICOMweb server and the C-STORE listener, each with
// its last error.
import { Link } from 'react-router-dom';
import type { PacsStatus } from '../../../main/api/contract';
import type { Loadable } from '../../app/api-context';
import { settingsPath } from '../paths';
import { listenerLine, pollingLine } from './pacs-status';

export function PacsStatusPanel({ status }: { status: Loadable<PacsStatus> }) {
  return (
    <section className="pacs-status" aria-labelledby="pacs-status-title" data-testid="pacs-status">
      <h2 id="pacs-status-title">Arrivals</h2>
      {status.state === 'ok' ? (
        <ul className="pacs-status__lines">
          <li data-testid="pacs-polling" data-enabled={status.value.polling.enabled}>
            {pollingLine(status.value.polling)}
            {status.value.polling.lastError && <span className="text-warn" data-testid="pacs-polling-error"> Last error: {status.value.polling.lastError}</span>}
          </li>
          <li data-testid="pacs-listener" data-running={status.value.listener.running}>
            {listenerLine(status.value.listener)}
            {status.value.listener.error && <span className="text-warn" data-testid="pacs-listener-error"> Error: {status.value.listener.error}</span>}
          </li>
        </ul>
      ) : status.state === 'error' ? (
        <p className="pacs__problem" role="alert">Could not read the PACS status: {status.message}</p>
      ) : (
        <p className="muted">Loading…</p>
      )}
      <p className="muted pacs-status__hint">
        Polling and the listener are set in <Link to={settingsPath}>Settings → PACS</Link>.
      </p>
    </section>
  );
}

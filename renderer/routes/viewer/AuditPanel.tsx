// Who did what to this image, newest first (audit.list), and the whole log exported as CSV into a folder: a path
// field, with the native dialog beside it where the shell has one.
import { useState, type FormEvent } from 'react';
import type { AuditEntry } from '../../../main/api/contract';
import { useApi, useApiQuery } from '../../app/api-context';
import { errorMessage } from '../../app/error-message';
import { formatDateTime } from '../../app/format';
import { PathField } from '../../app/PathField';

type Props = { sopInstanceUid: string | null; revision: number };

export function AuditPanel({ sopInstanceUid, revision }: Props) {
  return (
    <section className="audit-panel" data-testid="audit-panel" aria-label="Audit log for this image">
      <h2>Audit log</h2>
      {sopInstanceUid ? <AuditEntries sopInstanceUid={sopInstanceUid} revision={revision} /> : <p className="muted">No image shown.</p>}
      <AuditExport />
    </section>
  );
}

function AuditEntries({ sopInstanceUid, revision }: { sopInstanceUid: string; revision: number }) {
  const entries = useApiQuery('audit.list', { sopInstanceUid }, revision);
  if (entries.state === 'loading') return <p className="muted">Loading…</p>;
  if (entries.state === 'error') return <p className="text-danger" role="alert">{entries.message}</p>;
  if (entries.value.length === 0) return <p className="muted" data-testid="audit-empty">Nothing recorded for this image yet.</p>;
  return (
    <ol className="audit-panel__list">
      {entries.value.map((entry) => (
        <AuditLine key={entry.id} entry={entry} />
      ))}
    </ol>
  );
}

function AuditLine({ entry }: { entry: AuditEntry }) {
  return (
    <li className="audit-panel__entry" data-testid="audit-entry" data-action={entry.action}>
      <span className="audit-panel__what">
        <strong>{entry.action}</strong> by {entry.who}
      </span>
      <time className="muted" dateTime={entry.at}>
        {formatDateTime(entry.at)}
      </time>
      {entry.detail && <span className="audit-panel__detail">{entry.detail}</span>}
      {entry.models.length > 0 && <span className="muted mono">{entry.models.join(', ')}</span>}
    </li>
  );
}

type ExportState = { state: 'idle' } | { state: 'busy' } | { state: 'done'; path: string; entries: number } | { state: 'error'; message: string };

function AuditExport() {
  const client = useApi();
  const info = useApiQuery('app.info', {});
  const [folder, setFolder] = useState('');
  const [result, setResult] = useState<ExportState>({ state: 'idle' });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setResult({ state: 'busy' });
    try {
      setResult({ state: 'done', ...(await client.invoke('audit.export', { folder: folder.trim() })) });
    } catch (error) {
      setResult({ state: 'error', message: errorMessage(error) });
    }
  };
  const busy = result.state === 'busy';
  return (
    <form className="audit-export" onSubmit={submit}>
      <PathField
        label="Export to"
        value={folder}
        onChange={setFolder}
        canPick={info.state === 'ok' && info.value.canPickFolder}
        testId="audit-export-path"
        disabled={busy}
      />
      <button type="submit" className="button" disabled={busy || !folder.trim()} data-testid="audit-export" aria-label="Export the whole audit log as CSV">
        Export whole log
      </button>
      {result.state === 'done' && (
        <p className="audit-export__result" role="status" data-testid="audit-export-result">
          Wrote {result.entries} entries to <span className="mono">{result.path}</span>
        </p>
      )}
      {result.state === 'error' && (
        <p className="text-danger" role="alert" data-testid="audit-export-error">
          {result.message}
        </p>
      )}
    </form>
  );
}

// The exports launcher (`/exports`): pick a destination folder, choose what to write (DICOM SEG, Secondary Capture,
// the SIIM CSV, the HTML report), run it, and see every file written and every image that could not be exported.
// Opened from the worklist it exports the studies chosen there (its selection, else what its filter shows); from the
// menu, every triaged study. The service refuses the source folder and any scanned folder, and says so.
import { useState, type FormEvent } from 'react';
import { Link, useLocation } from 'react-router-dom';
import type { AppInfo, ExportKind, ExportResult } from '../../../main/api/contract';
import { useApi, useApiQuery } from '../../app/api-context';
import { errorMessage } from '../../app/error-message';
import { PathField } from '../../app/PathField';
import { exportsPath } from '../paths';
import { exportKinds, exportsStateOf, exportSummary, folderProblem, kindLabel } from './export-plan';
import './exports.css';

export function ExportsRoute() {
  const info = useApiQuery('app.info', {});
  return (
    <div className="exports" data-testid="exports">
      <h1>Export results</h1>
      {info.state === 'ok' ? (
        <ExportForm info={info.value} />
      ) : info.state === 'error' ? (
        <p className="exports__problem" role="alert">{info.message}</p>
      ) : (
        <p className="muted">Loading…</p>
      )}
    </div>
  );
}

function ExportForm({ info }: { info: AppInfo }) {
  const client = useApi();
  const chosen = exportsStateOf(useLocation().state);
  const [folder, setFolder] = useState('');
  const [kinds, setKinds] = useState<ExportKind[]>(exportKinds.map((option) => option.kind));
  const [running, setRunning] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [result, setResult] = useState<ExportResult | null>(null);

  const toggle = (kind: ExportKind, on: boolean) =>
    setKinds((current) => exportKinds.map((option) => option.kind).filter((k) => (k === kind ? on : current.includes(k))));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const wrongFolder = folderProblem(folder);
    if (wrongFolder) {
      setProblem(wrongFolder);
      return;
    }
    setRunning(true);
    setProblem(null);
    setResult(null);
    try {
      setResult(await client.invoke('exports.run', { folder: folder.trim(), kinds, studyInstanceUids: chosen ? [...chosen.studyInstanceUids] : undefined }));
    } catch (error) {
      setProblem(`The export failed: ${errorMessage(error)}`);
    } finally {
      setRunning(false);
    }
  };

  return (
    <>
      <form className="exports__form" onSubmit={submit} noValidate aria-label="Export results">
        <p className="muted" data-testid="export-scope" data-studies={chosen?.studyInstanceUids.length}>
          {chosen ? `Exports ${chosen.scope}.` : 'Exports every triaged study on the worklist.'}{' '}
          {chosen && (
            <>
              <Link to={exportsPath} replace data-testid="export-scope-all">
                Export every triaged study instead
              </Link>
              .{' '}
            </>
          )}
          Files go into the folder you choose, never into the scanned folders.
        </p>
        <PathField label="Destination folder" value={folder} onChange={setFolder} canPick={info.canPickFolder} testId="export-folder" disabled={running} />
        <fieldset className="exports__kinds">
          <legend>What to write</legend>
          {exportKinds.map((option) => (
            <label key={option.kind} className="exports__kind">
              <input type="checkbox" checked={kinds.includes(option.kind)} onChange={(event) => toggle(option.kind, event.target.checked)} disabled={running} data-testid={option.testId} />
              <span>
                <strong>{option.label}</strong> <span className="muted">— {option.detail}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <div className="toolbar">
          <button type="submit" className="button button--primary" disabled={running || kinds.length === 0} data-testid="export-run">
            {running ? 'Exporting…' : 'Export'}
          </button>
          {kinds.length === 0 && <span className="muted">Choose at least one kind.</span>}
        </div>
      </form>
      {problem && <p className="exports__problem" role="alert" data-testid="export-problem">{problem}</p>}
      {result && <ExportOutcome result={result} />}
    </>
  );
}

function ExportOutcome({ result }: { result: ExportResult }) {
  return (
    <section className="exports__result" data-testid="export-result" aria-live="polite" data-files={result.files.length} data-errors={result.errors.length}>
      <h2>Result</h2>
      <p data-testid="export-summary">{exportSummary(result)}</p>
      {result.files.length > 0 && (
        <table className="exports__table">
          <thead>
            <tr>
              <th>Kind</th>
              <th>File</th>
              <th>SOP Instance UID</th>
            </tr>
          </thead>
          <tbody>
            {result.files.map((file) => (
              <tr key={file.path} data-testid="export-file" data-kind={file.kind}>
                <td>{kindLabel(file.kind)}</td>
                <td className="mono exports__path">{file.path}</td>
                <td className="mono">{file.sopInstanceUid ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {result.errors.length > 0 && (
        <>
          <h2 className="text-warn">Not exported</h2>
          <ul className="exports__errors" data-testid="export-errors">
            {result.errors.map((error, i) => (
              <li key={`${error.sopInstanceUid ?? 'folder'}-${i}`} data-testid="export-error">
                <span className="mono">{error.sopInstanceUid ?? 'whole export'}</span>: {error.message}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

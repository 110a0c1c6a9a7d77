// The studies of the index, one row each. Rows are focusable: Tab reaches the table, arrow keys move between
// rows, Enter opens the study.
import type { KeyboardEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import type { WorklistRow } from '../../../main/api/contract';
import { formatDicomDate, formatNumber, formatPersonName, formatText } from '../../app/format';
import { viewerPath } from '../paths';

export function WorklistTable({ rows }: { rows: WorklistRow[] }) {
  const navigate = useNavigate();
  if (rows.length === 0) {
    return (
      <div className="empty-state" data-testid="worklist-empty">
        <h2>No studies yet</h2>
        <p>Choose a folder of DICOM files above; Pleura indexes it (read-only) and lists its studies here.</p>
      </div>
    );
  }

  const onKeyDown = (event: KeyboardEvent<HTMLTableRowElement>, row: WorklistRow) => {
    const target = event.currentTarget;
    if (event.key === 'Enter') navigate(viewerPath(row.studyInstanceUid));
    else if (event.key === 'ArrowDown') focusRow(target.nextElementSibling, event);
    else if (event.key === 'ArrowUp') focusRow(target.previousElementSibling, event);
  };

  return (
    <table className="worklist" data-testid="worklist-table">
      <caption className="visually-hidden">Studies in the index</caption>
      <thead>
        <tr>
          <th scope="col">Patient</th>
          <th scope="col">Patient ID</th>
          <th scope="col">Study date</th>
          <th scope="col">Description</th>
          <th scope="col">Modality</th>
          <th scope="col">View</th>
          <th scope="col" className="numeric">Images</th>
          <th scope="col">Status</th>
          <th scope="col" className="numeric">Errors</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr
            key={row.studyInstanceUid}
            tabIndex={0}
            className="worklist__row"
            data-testid="worklist-row"
            data-study-uid={row.studyInstanceUid}
            onClick={() => navigate(viewerPath(row.studyInstanceUid))}
            onKeyDown={(event) => onKeyDown(event, row)}
            aria-label={`Open study of ${formatPersonName(row.patientName)}`}
          >
            <td className="worklist__patient clip" title={formatPersonName(row.patientName)}>
              {formatPersonName(row.patientName)}
            </td>
            <td className="mono clip" title={formatText(row.patientId)}>
              {formatText(row.patientId)}
            </td>
            <td className="mono">{formatDicomDate(row.studyDate)}</td>
            <td className="clip" title={formatText(row.studyDescription)}>
              {formatText(row.studyDescription)}
            </td>
            <td>{formatText(row.modality)}</td>
            <td>{formatText(row.view)}</td>
            <td className="numeric">{formatNumber(row.imageCount)}</td>
            <td>
              <span className={`badge badge--${row.status}`}>{row.status}</span>
            </td>
            <td className={`numeric${row.errorCount ? ' text-warn' : ''}`}>{formatNumber(row.errorCount)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function focusRow(row: Element | null, event: KeyboardEvent) {
  if (row instanceof HTMLElement) {
    event.preventDefault();
    row.focus();
  }
}

// The studies a PACS search found, with how much of each is already local, and a checkbox each (and one for all)
// to choose what to retrieve or send results for.
import type { PacsStudy } from '../../../main/api/contract';
import { SelectAllBox } from '../../app/SelectAllBox';
import { formatDicomDate, formatNumber, formatPersonName, formatText } from '../../app/format';
import { localCountText, localState } from './pacs-study';

type Props = {
  studies: PacsStudy[];
  selected: ReadonlySet<string>;
  onSelect: (studyInstanceUids: string[], selected: boolean) => void;
};

export function PacsStudyTable({ studies, selected, onSelect }: Props) {
  return (
    <table className="pacs-table" data-testid="pacs-results">
      <thead>
        <tr>
          <th scope="col">
            <SelectAllBox uids={studies.map((study) => study.studyInstanceUid)} selected={selected} onSelect={onSelect} label="Select every study found" testId="pacs-select-all" />
          </th>
          <th scope="col">Patient</th>
          <th scope="col">Patient ID</th>
          <th scope="col">Date</th>
          <th scope="col">Accession</th>
          <th scope="col">Description</th>
          <th scope="col">Modalities</th>
          <th scope="col" className="numeric">Images</th>
          <th scope="col">Local</th>
        </tr>
      </thead>
      <tbody>
        {studies.map((study) => {
          const uid = study.studyInstanceUid;
          const patient = formatPersonName(study.patientName);
          return (
            <tr key={uid} data-testid="pacs-study" data-study-uid={uid} data-selected={selected.has(uid)} data-local={localState(study)}>
              <td>
                <input type="checkbox" checked={selected.has(uid)} onChange={(event) => onSelect([uid], event.target.checked)} aria-label={`Select the study of ${patient} on ${formatDicomDate(study.studyDate)}`} data-testid="pacs-study-select" />
              </td>
              <td className="pacs-table__patient">{patient}</td>
              <td className="mono">{formatText(study.patientId)}</td>
              <td>{formatDicomDate(study.studyDate)}</td>
              <td className="mono">{formatText(study.accessionNumber)}</td>
              <td className="pacs-table__clip">{formatText(study.studyDescription)}</td>
              <td>{formatText(study.modalities.join(', '))}</td>
              <td className="numeric">{study.instanceCount === null ? formatText(null) : formatNumber(study.instanceCount)}</td>
              <td className={`pacs-local pacs-local--${localState(study)}`} data-testid="pacs-study-local">
                {localCountText(study)}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

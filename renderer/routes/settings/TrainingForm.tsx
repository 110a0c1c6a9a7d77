// What to train on and how: the data (reviewed studies, a DICOM folder with its SIIM mask table, PNG pairs), the
// plan, the input size and the epochs. Folders come from the native dialog where the shell has one, else a path.
import { useState, type FormEvent } from 'react';
import type { AppInfo, TrainingData, TrainingPlanName, TrainingRequest } from '../../../main/api/contract';
import { PathField } from '../../app/PathField';

type DataKind = TrainingData['kind'];
type Props = { info: AppInfo; disabled: boolean; onStart: (request: TrainingRequest) => void };

const dataKinds: { kind: DataKind; label: string }[] = [
  { kind: 'reviewed', label: 'Reviewed studies' },
  { kind: 'dicom-folder', label: 'DICOM folder + mask table' },
  { kind: 'png-pairs', label: 'PNG image/mask pairs' },
];
const plans: { plan: TrainingPlanName; label: string }[] = [
  { plan: 'quick', label: 'Quick fine-tune' },
  { plan: 'first-place', label: 'First place (four stages)' },
  { plan: 'fourth-place', label: 'Fourth place' },
];
const sizes = [256, 512, 1024] as const;

export function TrainingForm({ info, disabled, onStart }: Props) {
  const [kind, setKind] = useState<DataKind>('reviewed');
  const [folder, setFolder] = useState('');
  const [labels, setLabels] = useState('');
  const [plan, setPlan] = useState<TrainingPlanName>('quick');
  const [size, setSize] = useState<(typeof sizes)[number]>(256);
  const [epochs, setEpochs] = useState(2);

  const data: TrainingData | null =
    kind === 'reviewed'
      ? { kind }
      : kind === 'png-pairs'
        ? folder.trim() ? { kind, folder: folder.trim() } : null
        : folder.trim() && labels.trim() ? { kind, folder: folder.trim(), labels: labels.trim() } : null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (data) onStart({ data, plan, size, epochs });
  };

  return (
    <form className="training-form" onSubmit={submit} data-testid="training-form">
      <fieldset className="training-form__data">
        <legend>Data</legend>
        {dataKinds.map((option) => (
          <label key={option.kind} className="training-form__choice">
            <input type="radio" name="data-kind" value={option.kind} checked={kind === option.kind} onChange={() => setKind(option.kind)} data-testid={`data-${option.kind}`} />
            {option.label}
          </label>
        ))}
        {kind !== 'reviewed' && (
          <PathField label={kind === 'png-pairs' ? 'Image/mask folder' : 'DICOM folder'} value={folder} onChange={setFolder} canPick={info.canPickFolder} testId="data-folder" />
        )}
        {kind === 'dicom-folder' && <PathField label="Mask table (CSV)" value={labels} onChange={setLabels} canPick={false} testId="data-labels" />}
      </fieldset>
      <div className="training-form__row">
        <label>
          Plan
          <select value={plan} onChange={(e) => setPlan(e.target.value as TrainingPlanName)} data-testid="training-plan">
            {plans.map((p) => <option key={p.plan} value={p.plan}>{p.label}</option>)}
          </select>
        </label>
        <label>
          Size
          <select value={size} onChange={(e) => setSize(Number(e.target.value) as (typeof sizes)[number])} data-testid="training-size">
            {sizes.map((s) => <option key={s} value={s}>{s} × {s}</option>)}
          </select>
        </label>
        <label>
          Epochs
          <input type="number" min={1} max={500} value={epochs} onChange={(e) => setEpochs(Math.max(1, Math.round(Number(e.target.value) || 1)))} className="training-form__epochs" data-testid="training-epochs" />
        </label>
        <button type="submit" className="button button--primary" disabled={disabled || !data} data-testid="training-start">
          Start training
        </button>
      </div>
    </form>
  );
}

// What to train on and how: the data (reviewed studies, a DICOM folder with its SIIM mask table, PNG pairs), where
// the run starts (the current model — its weights, architecture, input size and thresholds — or scratch), the plan,
// the input size (from scratch only), the epochs, and whether to learn from the workstation's unlabelled studies too
// (pseudo-labels or a mean teacher; the main side picks the studies without a reviewed mask). Folders come from the native dialog where the shell has one,
// else a path. The values are kept across pages.
import { useState, type FormEvent } from 'react';
import type { AppInfo, SemiSupervisedMethod, TrainingData, TrainingPlanName, TrainingRequest } from '../../../main/api/contract';
import { PathField } from '../../app/PathField';
import { keepFormValues, keptFormValues, startOf, trainingRequest, trainingSizes, type TrainingFormValues } from './training-form-values';

/** The current model as the form names it. */
export type StartingModel = { ref: string; arch: string; size: number };

type Props = { info: AppInfo; currentModel: StartingModel | null; currentSet?: string | null; disabled: boolean; onStart: (request: TrainingRequest) => void };

const dataKinds: { kind: TrainingData['kind']; label: string }[] = [
  { kind: 'reviewed', label: 'Reviewed studies' },
  { kind: 'dicom-folder', label: 'DICOM folder + mask table' },
  { kind: 'png-pairs', label: 'PNG image/mask pairs' },
];
const semiMethods: { method: SemiSupervisedMethod; label: string }[] = [
  { method: 'pseudo-labels', label: 'Pseudo-labels (3rd place)' },
  { method: 'mean-teacher', label: 'Mean teacher (5th place)' },
];
const plans: { plan: TrainingPlanName; label: string }[] = [
  { plan: 'quick', label: 'Quick fine-tune' },
  { plan: 'first-place', label: 'First place (four stages)' },
  { plan: 'fourth-place', label: 'Fourth place' },
];

export function TrainingForm({ info, currentModel, currentSet = null, disabled, onStart }: Props) {
  const [values, setValues] = useState(keptFormValues);
  const update = (change: Partial<TrainingFormValues>) =>
    setValues((previous) => {
      const next = { ...previous, ...change };
      keepFormValues(next);
      return next;
    });
  const start = startOf(values, currentModel !== null);
  const request = trainingRequest(values, currentModel !== null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (request) onStart(request);
  };

  return (
    <form className="training-form" onSubmit={submit} data-testid="training-form">
      <fieldset className="training-form__data">
        <legend>Data</legend>
        {dataKinds.map((option) => (
          <label key={option.kind} className="training-form__choice">
            <input type="radio" name="data-kind" value={option.kind} checked={values.kind === option.kind} onChange={() => update({ kind: option.kind })} data-testid={`data-${option.kind}`} />
            {option.label}
          </label>
        ))}
        {values.kind !== 'reviewed' && (
          <PathField label={values.kind === 'png-pairs' ? 'Image/mask folder' : 'DICOM folder'} value={values.folder} onChange={(folder) => update({ folder })} canPick={info.canPickFolder} testId="data-folder" />
        )}
        {values.kind === 'dicom-folder' && <PathField label="Mask table (CSV)" value={values.labels} onChange={(labels) => update({ labels })} canPick={false} testId="data-labels" />}
      </fieldset>
      <fieldset className="training-form__start">
        <legend>Start from</legend>
        <label className="training-form__choice">
          <input
            type="radio"
            name="training-start"
            value="current-model"
            checked={start === 'current-model'}
            disabled={currentModel === null}
            onChange={() => update({ start: 'current-model' })}
            data-testid="training-start-current"
          />
          {currentModel
            ? `The current model, ${currentModel.ref}: its weights, ${currentModel.arch} at ${currentModel.size} × ${currentModel.size} and its thresholds`
            : 'The current model'}
        </label>
        <label className="training-form__choice">
          <input type="radio" name="training-start" value="scratch" checked={start === 'scratch'} onChange={() => update({ start: 'scratch' })} data-testid="training-start-scratch" />
          Scratch: random weights, a new model
        </label>
        {currentModel === null && (
          <p className="training-form__note muted" data-testid="training-start-note">
            {currentSet
              ? `The current model is the model set ${currentSet}; a set is not fine-tuned as one model, so a run starts from scratch here (or make a single model current first).`
              : 'No model is current, so a run can only start from scratch.'}
          </p>
        )}
      </fieldset>
      <fieldset className="training-form__unlabelled">
        <legend>Unlabelled studies</legend>
        <label className="training-form__choice">
          <input type="checkbox" checked={values.unlabelledStudies} onChange={(e) => update({ unlabelledStudies: e.target.checked })} data-testid="training-unlabelled" />
          Also learn from this workstation's studies that have no reviewed mask (frontal chest radiographs only)
        </label>
        {values.unlabelledStudies && (
          <label>
            Method
            <select value={values.semiMethod} onChange={(e) => update({ semiMethod: e.target.value as SemiSupervisedMethod })} data-testid="training-semi-method">
              {semiMethods.map((m) => <option key={m.method} value={m.method}>{m.label}</option>)}
            </select>
          </label>
        )}
      </fieldset>
      <div className="training-form__row">
        <label>
          Plan
          <select value={values.plan} onChange={(e) => update({ plan: e.target.value as TrainingPlanName })} data-testid="training-plan">
            {plans.map((p) => <option key={p.plan} value={p.plan}>{p.label}</option>)}
          </select>
        </label>
        <label>
          Size
          {start === 'current-model' && currentModel ? (
            <span className="training-form__fixed" data-testid="training-size-fixed">{currentModel.size} × {currentModel.size} (the model's)</span>
          ) : (
            <select value={values.size} onChange={(e) => update({ size: Number(e.target.value) as TrainingFormValues['size'] })} data-testid="training-size">
              {trainingSizes.map((s) => <option key={s} value={s}>{s} × {s}</option>)}
            </select>
          )}
        </label>
        <label>
          Epochs
          <input
            type="number"
            min={1}
            max={500}
            value={values.epochs}
            onChange={(e) => update({ epochs: Math.max(1, Math.round(Number(e.target.value) || 1)) })}
            className="training-form__epochs"
            data-testid="training-epochs"
          />
        </label>
        <button type="submit" className="button button--primary" disabled={disabled || !request} data-testid="training-start">
          Start training
        </button>
      </div>
    </form>
  );
}

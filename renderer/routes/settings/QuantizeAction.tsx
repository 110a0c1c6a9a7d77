// "Make an INT8 version" on an installed fp32 model's card: a folder of local radiographs (or the workstation's own
// studies) to calibrate on and, optionally, the calibration method; then the job's progress with Cancel, and how it
// ended. One job runs at a time: while another model's runs, the button waits.
import { useState, type FormEvent } from 'react';
import type { QuantizeJob, QuantizeRequest } from '../../../main/api/contract';
import { PathField } from '../../app/PathField';
import { initialQuantizeValues, quantizeJobText, quantizeRequest, type QuantizeFormValues } from './quantize-job-text';
import type { QuantizeControls } from './use-quantization';

const methods: { method: QuantizeFormValues['method']; label: string }[] = [
  { method: 'default', label: 'Default (the measured best)' },
  { method: 'minmax', label: 'Min-max' },
  { method: 'percentile', label: 'Percentile' },
  { method: 'entropy', label: 'Entropy (KL)' },
];

const active = (job: QuantizeJob | null) => job !== null && (job.state === 'running' || job.state === 'cancelling');

export function QuantizeAction({ modelRef, controls }: { modelRef: string; controls: QuantizeControls }) {
  const [open, setOpen] = useState(false);
  const { job } = controls;
  const mine = job?.request.ref === modelRef ? job : null;
  const start = (request: QuantizeRequest) => {
    controls.start(request);
    setOpen(false);
  };
  return (
    <div className="quantize-action" data-testid="quantize-action">
      {mine && <QuantizeJobLine job={mine} busy={controls.busy} onCancel={controls.cancel} />}
      {open ? (
        <QuantizeForm modelRef={modelRef} canPickFolder={controls.canPickFolder} disabled={controls.busy || active(job)} onStart={start} onClose={() => setOpen(false)} />
      ) : (
        !active(mine) && (
          <button type="button" className="button" onClick={() => setOpen(true)} disabled={active(job)} data-testid="quantize-open">
            Make an INT8 version
          </button>
        )
      )}
      {controls.problem && (
        <p className="settings__problem" role="alert" data-testid="quantize-problem">
          {controls.problem}
        </p>
      )}
    </div>
  );
}

export function QuantizeJobLine({ job, busy, onCancel }: { job: QuantizeJob; busy: boolean; onCancel: () => void }) {
  const failed = job.state === 'failed';
  return (
    <div className="quantize-action__job" data-testid="quantize-job" data-state={job.state}>
      {active(job) && job.total > 0 && <progress max={job.total} value={job.done} aria-label="INT8 version progress" data-testid="quantize-progress" />}
      <span className={failed ? 'settings__problem' : undefined} role={failed ? 'alert' : undefined} data-testid="quantize-job-text">
        {quantizeJobText(job)}
      </span>
      {job.state === 'running' && (
        <button type="button" className="button" onClick={onCancel} disabled={busy} data-testid="quantize-cancel">
          Cancel
        </button>
      )}
    </div>
  );
}

type FormProps = { modelRef: string; canPickFolder: boolean; disabled: boolean; onStart: (request: QuantizeRequest) => void; onClose: () => void };

export function QuantizeForm({ modelRef, canPickFolder, disabled, onStart, onClose }: FormProps) {
  const [values, setValues] = useState(initialQuantizeValues);
  const update = (change: Partial<QuantizeFormValues>) => setValues((previous) => ({ ...previous, ...change }));
  const request = quantizeRequest(modelRef, values);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (request) onStart(request);
  };
  return (
    <form className="quantize-form" onSubmit={submit} data-testid="quantize-form">
      <fieldset>
        <legend>Calibrate on</legend>
        <label className="training-form__choice">
          <input type="radio" name={`quantize-source-${modelRef}`} checked={values.source === 'folder'} onChange={() => update({ source: 'folder' })} data-testid="quantize-source-folder" />
          A folder of local radiographs (DICOM)
        </label>
        <label className="training-form__choice">
          <input type="radio" name={`quantize-source-${modelRef}`} checked={values.source === 'studies'} onChange={() => update({ source: 'studies' })} data-testid="quantize-source-studies" />
          This workstation's studies
        </label>
        {values.source === 'folder' && <PathField label="Calibration folder" value={values.folder} onChange={(folder) => update({ folder })} canPick={canPickFolder} testId="quantize-folder" />}
      </fieldset>
      <p className="muted">Frontal chest radiographs only; 1 in 5 are held out to compare the INT8 version with this model, and the figures go on its card.</p>
      <div className="training-form__row">
        <label>
          Calibration
          <select value={values.method} onChange={(e) => update({ method: e.target.value as QuantizeFormValues['method'] })} data-testid="quantize-method">
            {methods.map((m) => (
              <option key={m.method} value={m.method}>
                {m.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="button button--primary" disabled={disabled || !request} data-testid="quantize-start">
          Make an INT8 version
        </button>
        <button type="button" className="button" onClick={onClose} data-testid="quantize-close">
          Close
        </button>
      </div>
    </form>
  );
}

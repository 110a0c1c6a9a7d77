// Which engine runs the model (auto, ONNX Runtime, TensorFlow.js) and with which test-time augmentation, beside
// what this machine offers: its CPU and memory, and what each engine would run on here or why it cannot.
import { useState } from 'react';
import type { EngineChoice, SystemInfo, WorkstationSettings } from '../../../main/api/contract';
import type { Loadable } from '../../app/api-context';
import { engineChoices, engineLine, engineProblem, hardwareLine } from './system-facts';

type Tta = WorkstationSettings['tta'];
type Props = {
  settings: WorkstationSettings;
  system: Loadable<SystemInfo>;
  busy: boolean;
  onSave: (patch: Partial<WorkstationSettings>) => Promise<boolean>;
};

const ttaChoices: { value: Tta; label: string }[] = [
  { value: 'none', label: 'None' },
  { value: 'hflip', label: 'Horizontal flip (two passes, averaged)' },
];

export function EnginePanel({ settings, system, busy, onSave }: Props) {
  const [ttaChanged, setTtaChanged] = useState(false);
  const problem = system.state === 'ok' ? engineProblem(settings.engine, system.value.engines) : null;
  return (
    <section className="settings-card" data-testid="engine" aria-labelledby="engine-title">
      <h2 id="engine-title">Engine</h2>
      <label className="settings-card__row">
        <span>Engine</span>
        <select value={settings.engine} onChange={(event) => void onSave({ engine: event.target.value as EngineChoice })} disabled={busy} data-testid="engine-choice">
          {engineChoices.map((choice) => <option key={choice.value} value={choice.value}>{choice.label}</option>)}
        </select>
      </label>
      {problem && <p className="settings__problem" role="alert" data-testid="engine-problem">{problem}</p>}
      <label className="settings-card__row">
        <span>Test-time augmentation</span>
        <select
          value={settings.tta}
          onChange={async (event) => setTtaChanged(await onSave({ tta: event.target.value as Tta }))}
          disabled={busy}
          data-testid="tta-choice"
        >
          {ttaChoices.map((choice) => <option key={choice.value} value={choice.value}>{choice.label}</option>)}
        </select>
      </label>
      {ttaChanged && (
        <p role="status" className="text-warn" data-testid="tta-saved">
          Saved. Results triaged with the other augmentation are now stale: triage them again from the worklist.
        </p>
      )}
      <div className="settings-card__detected" data-testid="engine-detected" aria-label="Detected hardware and engines">
        {system.state === 'ok' ? (
          <>
            <p data-testid="hardware">{hardwareLine(system.value)}</p>
            <ul>
              {system.value.engines.map((engine) => (
                <li key={engine.name} className={engine.available ? '' : 'muted'} data-testid="engine-available" data-engine={engine.name} data-available={engine.available}>
                  {engineLine(engine)}
                </li>
              ))}
            </ul>
          </>
        ) : system.state === 'error' ? (
          <p className="settings__problem" role="alert">Could not read what this machine offers: {system.message}</p>
        ) : (
          <p className="muted">Detecting…</p>
        )}
      </div>
    </section>
  );
}

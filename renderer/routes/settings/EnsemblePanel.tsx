// Which installed models (or model sets, each one unit) triage averages with the current one, and with what weights
// (the current model: 1). Changing the ensemble marks existing results stale, as a threshold change does.
import { useState } from 'react';
import type { ModelEntry, WorkstationSettings } from '../../../main/api/contract';
import { ensembleCandidates, parseWeight, runsAlone, setSummary, withMember, type EnsembleMember } from './ensemble-members';

type Props = { models: ModelEntry[]; members: EnsembleMember[]; busy: boolean; onSave: (patch: Partial<WorkstationSettings>) => Promise<boolean> };

export function EnsemblePanel({ models, members, busy, onSave }: Props) {
  const candidates = ensembleCandidates(models);
  const current = models.find((model) => model.current);
  const currentSet = current && setSummary(current);
  return (
    <fieldset className="settings__card" data-testid="ensemble">
      <legend>Ensemble</legend>
      <p className="muted">
        Triage averages the probability maps of {current ? <span className="mono">{current.ref}</span> : 'the current model'} (weight 1) and
        the models ticked here, weighted. Changing the ensemble marks existing results stale.
      </p>
      {currentSet && (
        <p className="muted" data-testid="ensemble-current-set">
          <span className="mono">{current.ref}</span> is a model set: {currentSet}.
        </p>
      )}
      {current && runsAlone(current) ? (
        <p className="muted" data-testid="ensemble-alone">A two-stage set decides which images are drawn at all, so it runs alone: nothing is averaged with it.</p>
      ) : candidates.length === 0 ? (
        <p className="muted" data-testid="ensemble-empty">No other model is installed.</p>
      ) : (
        <ul className="ensemble-list">
          {candidates.map((model) => (
            <EnsembleRow key={model.ref} model={model} member={members.find((m) => m.ref === model.ref) ?? null} busy={busy} onChange={(weight) => onSave({ ensemble: withMember(members, model.ref, weight) })} />
          ))}
        </ul>
      )}
    </fieldset>
  );
}

function EnsembleRow({ model, member, busy, onChange }: { model: ModelEntry; member: EnsembleMember | null; busy: boolean; onChange: (weight: number | null) => void }) {
  const [text, setText] = useState(String(member?.weight ?? 1));
  const parsed = parseWeight(text);
  return (
    <li className="ensemble-list__row" data-testid="ensemble-member" data-ref={model.ref} data-included={member !== null}>
      <label>
        <input type="checkbox" checked={member !== null} disabled={busy || 'problem' in parsed} onChange={(event) => onChange(event.target.checked && 'weight' in parsed ? parsed.weight : null)} />
        <span className="mono">{model.ref}</span>
      </label>
      {model.set && <span className="muted" data-testid="ensemble-set">Model set: {setSummary(model)}</span>}
      <label>
        Weight
        <input
          type="number"
          min="0.01"
          max="100"
          step="0.1"
          value={text}
          disabled={busy}
          aria-label={`Weight of ${model.ref}`}
          aria-invalid={'problem' in parsed}
          onChange={(event) => setText(event.target.value)}
          onBlur={() => member && 'weight' in parsed && parsed.weight !== member.weight && onChange(parsed.weight)}
          data-testid="ensemble-weight"
        />
      </label>
      {'problem' in parsed && <span className="settings__problem" role="alert">{parsed.problem}</span>}
    </li>
  );
}

// The installed model versions with their cards, the current one marked, and Restore for the others. Each model shows
// its precision (fp32 or INT8); an fp32 one offers "Make an INT8 version" where the page gives the controls. A model
// set is one unit: its combination and members on one card, made current as a whole. A model or set whose notes say
// it is not for clinical use (the bundled demonstration model) says so above everything else on its card.
import type { ModelEntry } from '../../../main/api/contract';
import { formatDateTime, missing } from '../../app/format';
import { setSummary } from './ensemble-members';
import { cardFacts, notForClinicalUse, type ModelCard } from './model-card-facts';
import { QuantizeAction } from './QuantizeAction';
import type { QuantizeControls } from './use-quantization';

type SetEntry = Extract<ModelEntry, { set: object }>;

type Props = { models: ModelEntry[]; busy: boolean; onRestore: (ref: string) => void; quantization?: QuantizeControls };

export function ModelList({ models, busy, onRestore, quantization }: Props) {
  if (models.length === 0) return <p className="empty-state" data-testid="models-empty">No models are installed yet.</p>;
  return (
    <ul className="model-list" data-testid="model-list">
      {models.map((model) => (
        <li key={model.ref} className={model.current ? 'model-card model-card--current' : 'model-card'} data-testid="model-entry" data-ref={model.ref} data-current={model.current}>
          <header className="model-card__header">
            <span className="mono model-card__ref">{model.ref}</span>
            {model.card && (
              <span className="badge" data-testid="model-precision">
                {model.card.quantization ? 'INT8' : 'fp32'}
              </span>
            )}
            {model.current ? (
              <span className="badge badge--ok" data-testid="model-current">Current</span>
            ) : (
              <button
                type="button"
                className="button"
                onClick={() => onRestore(model.ref)}
                disabled={busy || model.error !== null}
                aria-label={`Make ${model.ref} current again`}
                data-testid="model-restore"
              >
                Restore
              </button>
            )}
          </header>
          {model.card ? <CardView card={model.card} /> : model.set ? <SetView entry={model as SetEntry} /> : <p className="settings__problem">{model.error}</p>}
          {quantization && model.card && !model.card.quantization && <QuantizeAction modelRef={model.ref} controls={quantization} />}
        </li>
      ))}
    </ul>
  );
}

/** A set's card: how it combines and its members; no metrics or fine-tuning of its own (training and comparing take one model). */
function SetView({ entry }: { entry: SetEntry }) {
  const { set, members } = entry;
  const warn = notForClinicalUse(set.notes);
  return (
    <div data-testid="model-set">
      {warn && <ClinicalUseWarning notes={set.notes} />}
      <dl className="model-card__facts">
        <div className="model-card__fact">
          <dt>Model set</dt>
          <dd data-testid="model-set-summary">{setSummary(entry)}</dd>
        </div>
        <div className="model-card__fact">
          <dt>Members</dt>
          <dd>
            <ul data-testid="model-set-members">
              {members.map((member) => (
                <li key={`${member.id}@${member.version}`} className="mono">
                  {memberLine(member)}
                </li>
              ))}
            </ul>
          </dd>
        </div>
        <div className="model-card__fact">
          <dt>Created</dt>
          <dd>{formatDateTime(set.createdAt)}</dd>
        </div>
        {!warn && (
          <div className="model-card__fact">
            <dt>Notes</dt>
            <dd>{set.notes || missing}</dd>
          </div>
        )}
      </dl>
      <p className="muted" data-testid="model-set-note">
        Runs as one unit. Training and held-out comparisons take a single model, so a set is never fine-tuned or compared.
      </p>
    </div>
  );
}

function ClinicalUseWarning({ notes }: { notes: string }) {
  return (
    <p className="model-card__warning" role="note" data-testid="model-card-warning">
      <strong>Not for clinical use.</strong> {notes}
    </p>
  );
}

function memberLine({ id, version, role, weight, card }: SetEntry['members'][number]): string {
  const { size } = card.input;
  return `${id}@${version}: ${card.architecture.name} at ${size} × ${size}, ${role === 'classifier' ? 'classifier' : `segmentation ×${weight}`}`;
}

function CardView({ card }: { card: ModelCard }) {
  const warn = notForClinicalUse(card.notes);
  return (
    <div data-testid="model-card">
      {warn && <ClinicalUseWarning notes={card.notes} />}
      <dl className="model-card__facts">
        {cardFacts(card).map(({ label, value }) => (
          <div key={label} className="model-card__fact">
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
        {!warn && (
          <div className="model-card__fact">
            <dt>Notes</dt>
            <dd>{card.notes || missing}</dd>
          </div>
        )}
      </dl>
    </div>
  );
}

// The installed model versions with their cards, the current one marked, and Restore for the others. A model whose
// notes say it is not for clinical use (the bundled demonstration model) says so above everything else on its card.
import type { ModelEntry } from '../../../main/api/contract';
import { missing } from '../../app/format';
import { cardFacts, notForClinicalUse, type ModelCard } from './model-card-facts';

type Props = { models: ModelEntry[]; busy: boolean; onRestore: (ref: string) => void };

export function ModelList({ models, busy, onRestore }: Props) {
  if (models.length === 0) return <p className="empty-state" data-testid="models-empty">No models are installed yet.</p>;
  return (
    <ul className="model-list" data-testid="model-list">
      {models.map((model) => (
        <li key={model.ref} className={model.current ? 'model-card model-card--current' : 'model-card'} data-testid="model-entry" data-ref={model.ref} data-current={model.current}>
          <header className="model-card__header">
            <span className="mono model-card__ref">{model.ref}</span>
            {model.current ? (
              <span className="badge badge--ok" data-testid="model-current">Current</span>
            ) : (
              <button
                type="button"
                className="button"
                onClick={() => onRestore(model.ref)}
                disabled={busy || model.card === null}
                aria-label={`Make ${model.ref} current again`}
                data-testid="model-restore"
              >
                Restore
              </button>
            )}
          </header>
          {model.card ? <CardView card={model.card} /> : <p className="settings__problem">{model.error}</p>}
        </li>
      ))}
    </ul>
  );
}

function CardView({ card }: { card: ModelCard }) {
  const warn = notForClinicalUse(card.notes);
  return (
    <div data-testid="model-card">
      {warn && (
        <p className="model-card__warning" role="note" data-testid="model-card-warning">
          <strong>Not for clinical use.</strong> {card.notes}
        </p>
      )}
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

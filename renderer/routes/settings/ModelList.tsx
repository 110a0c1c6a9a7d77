// The installed model versions with their cards, the current one marked, and Restore for the others.
import type { ModelEntry } from '../../../main/api/contract';
import { formatNumber } from '../../app/format';

type ModelCard = NonNullable<ModelEntry['card']>;
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
              <button type="button" className="button" onClick={() => onRestore(model.ref)} disabled={busy || model.card === null} data-testid="model-restore">
                Restore
              </button>
            )}
          </header>
          {model.card ? <CardFacts card={model.card} /> : <p className="settings__problem">{model.error}</p>}
        </li>
      ))}
    </ul>
  );
}

function formatMetric(value: number | string): string {
  if (typeof value === 'string') return value;
  return Number.isInteger(value) ? String(value) : formatNumber(value, 4);
}

function CardFacts({ card }: { card: ModelCard }) {
  const { architecture, input, provenance, metrics, notes } = card;
  // The card's scalar metrics (validation Dice, plan, epochs, backend…); nested records such as the epoch history
  // stay in card.json.
  const scalars = Object.entries(metrics ?? {}).filter((entry): entry is [string, number | string] => ['number', 'string'].includes(typeof entry[1]));
  const metricText = scalars.length > 0 ? scalars.map(([key, value]) => `${key} ${formatMetric(value)}`).join(' · ') : '—';
  return (
    <dl className="model-card__facts">
      <dt>Architecture</dt>
      <dd>{architecture.name} ({architecture.encoder}, {formatNumber(architecture.parameters)} parameters)</dd>
      <dt>Input</dt>
      <dd>{input.size} × {input.size}, normalisation {input.normalisation}</dd>
      <dt>Provenance</dt>
      <dd>{provenance.source}{provenance.file ? ` from ${provenance.file}` : ''}, {provenance.importedAt.slice(0, 10)} by {provenance.tool}</dd>
      <dt>Metrics</dt>
      <dd className="model-card__metrics">{metricText}</dd>
      <dt>Notes</dt>
      <dd>{notes || '—'}</dd>
    </dl>
  );
}

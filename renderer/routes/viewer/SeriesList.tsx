// The study's series and their instances; an instance that failed to index is listed with its error, not hidden.
import type { SeriesRow } from '../../../main/api/contract';
import { formatText } from '../../app/format';

type Props = { series: SeriesRow[]; selectedId: number | null; onSelect: (instanceId: number) => void };

export function SeriesList({ series, selectedId, onSelect }: Props) {
  return (
    <nav className="series-list" aria-label="Series and images">
      {series.map((one) => (
        <section key={one.seriesInstanceUid} className="series-list__series">
          <h2 className="series-list__title">
            Series {formatText(one.seriesNumber)} · {formatText(one.modality)}
            {one.seriesDescription && <span className="muted"> · {one.seriesDescription}</span>}
          </h2>
          <ul className="series-list__instances">
            {one.instances.map((instance) => (
              <li key={instance.id}>
                <button
                  type="button"
                  className="instance-button"
                  data-testid="instance-button"
                  data-instance-id={instance.id}
                  aria-pressed={instance.id === selectedId}
                  disabled={instance.status === 'error'}
                  title={instance.error ? `${instance.error.code}: ${instance.error.message}` : instance.path}
                  onClick={() => onSelect(instance.id)}
                >
                  <span>Image {formatText(instance.instanceNumber)}</span>
                  <span className="muted">
                    {formatText(instance.viewPosition)} · {instance.columns}×{instance.rows}
                  </span>
                  {instance.error && <span className="text-warn">{instance.error.message}</span>}
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </nav>
  );
}

// The shown image's verdict: the flag as the main side decided and worded it (the same words as the worklist's),
// in colour; the finding's score, area and side (the reviewed mask's after a review), the model's peak, which model
// made it, the demonstration model's warning, and where it stands (stale verdicts and reviews are said, not implied).
import type { ImageTriage, ReviewDecision } from '../../../main/api/contract';
import { formatDateTime, formatText } from '../../app/format';
import { formatAreaCm2, formatScore, formatSide } from '../worklist/triage-format';

const stateWords: Record<ImageTriage['state'], string> = {
  pending: 'Not triaged yet',
  queued: 'Queued for triage',
  running: 'Being triaged',
  triaged: 'Triaged',
  stale: 'Stale: triaged by another model version or rule; triage again for a current verdict',
  reviewed: 'Reviewed',
  error: 'Triage failed',
  'not-assessed': 'Not assessed: outside the intended use (frontal chest radiographs); never sent to a model',
};

const decisionWords: Record<ReviewDecision, string> = { confirmed: 'confirmed', rejected: 'rejected', edited: 'edited' };

export function reviewWords(review: NonNullable<ImageTriage['review']>): string {
  return `Reviewed — ${decisionWords[review.decision]} by ${review.reviewer}`;
}

type Props = { triage: ImageTriage | null; problem: string | null };

export function FindingSummary({ triage, problem }: Props) {
  if (!triage) {
    return (
      <section className="finding-summary" data-testid="finding-summary" data-flag="none" aria-label="Finding">
        <h2>Finding</h2>
        <p className={problem ? 'text-danger' : 'muted'} role={problem ? 'alert' : undefined}>
          {problem ?? 'No triage result for this image.'}
        </p>
      </section>
    );
  }
  const flag = triage.flag ?? 'none';
  return (
    <section className="finding-summary" data-testid="finding-summary" data-flag={flag} data-flag-source={triage.flagSource ?? undefined} data-state={triage.state} aria-label="Finding">
      <h2>Finding</h2>
      <p className={`finding-flag finding-flag--${flag}`} data-testid="finding-flag">
        {triage.words}
      </p>
      {triage.demonstrationModel && (
        <p className="finding-demo" data-testid="finding-demo">
          Demonstration model — trained on synthetic images; this result says nothing about a real radiograph. Not for clinical use.
        </p>
      )}
      <dl className="finding-summary__facts">
        <div>
          <dt>Score</dt>
          <dd data-testid="finding-score">{formatScore(triage.score)}</dd>
        </div>
        <div>
          <dt>Peak probability</dt>
          <dd data-testid="finding-peak">{formatScore(triage.maxProbability)}</dd>
        </div>
        <div>
          <dt>Area</dt>
          <dd data-testid="finding-area">{formatAreaCm2(triage.areaCm2)}</dd>
        </div>
        <div>
          <dt>Side</dt>
          <dd>{formatSide(triage.side)}</dd>
        </div>
        <div>
          <dt>Model</dt>
          <dd className="mono">{triage.models.length > 0 ? triage.models.join(', ') : formatText(null)}</dd>
        </div>
      </dl>
      <p className={`finding-state finding-state--${triage.state}`} data-testid="finding-state">
        {triage.review ? reviewWords(triage.review) : stateWords[triage.state]}
        {triage.review && <span className="muted"> · {formatDateTime(triage.review.at)}</span>}
      </p>
      {triage.error && (
        <p className="text-danger" role="alert">
          {triage.error.code}: {triage.error.message}
        </p>
      )}
    </section>
  );
}

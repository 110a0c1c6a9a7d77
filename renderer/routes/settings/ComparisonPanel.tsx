// The end of a finished run: the new model against the current one on the run's held-out images, and the choice
// to promote it (install and make current) or discard it.
import type { HeldOutScore, TrainingRun } from '../../../main/api/contract';

const heldOut = (count: number) => `${count} held-out image${count === 1 ? '' : 's'}`;
const percent = (value: number | null) => (value === null ? '—' : `${(value * 100).toFixed(1)} %`);

type Props = { run: TrainingRun; busy: boolean; onPromote: () => void; onDiscard: () => void };

export function ComparisonPanel({ run, busy, onPromote, onDiscard }: Props) {
  const { comparison } = run;
  const rows: { name: string; score: HeldOutScore; testId: string }[] = comparison
    ? [
        { name: `New: ${run.candidate ?? 'trained model'}`, score: comparison.candidate, testId: 'score-candidate' },
        ...(comparison.current ? [{ name: `Current: ${comparison.current.ref}`, score: comparison.current, testId: 'score-current' }] : []),
      ]
    : [];
  return (
    <section className="comparison" data-testid="comparison">
      <h2>Held-out comparison</h2>
      {comparison ? (
        <>
          <table className="comparison__table">
            <thead>
              <tr>
                <th>Model</th>
                <th className="numeric">Mean Dice</th>
                <th className="numeric">Sensitivity</th>
                <th className="numeric">Specificity</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ name, score, testId }) => (
                <tr key={testId} data-testid={testId}>
                  <td>{name}</td>
                  <td className="numeric">{score.meanDice.toFixed(4)}</td>
                  <td className="numeric">{percent(score.sensitivity)}</td>
                  <td className="numeric">{percent(score.specificity)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className={comparison.candidateBetter ? 'comparison__verdict' : 'comparison__verdict text-warn'} data-testid="comparison-verdict">
            {comparison.current === null
              ? `No model is current yet; scored on ${heldOut(comparison.images)}.`
              : comparison.candidateBetter
                ? `The new model scores at least as well as the current one on ${heldOut(comparison.images)}.`
                : `The new model scores lower than the current one on ${heldOut(comparison.images)}.`}
          </p>
        </>
      ) : (
        <p className="muted">No comparison is available for this run.</p>
      )}
      <div className="toolbar">
        <button type="button" className="button button--primary" onClick={onPromote} disabled={busy} data-testid="promote">
          Promote to current
        </button>
        <button type="button" className="button" onClick={onDiscard} disabled={busy} data-testid="discard">
          Discard
        </button>
      </div>
    </section>
  );
}

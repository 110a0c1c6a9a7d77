// The end of a finished run: the new model against the current one on the run's held-out images — the sample, each
// score with its 95% interval, the paired difference in mean Dice with its interval — and the choice to promote it
// (install and make current) or discard it. The verdict is main's; this panel words it and makes the action it
// supports the highlighted one: Promote only when the new model is shown better (or there is nothing to beat).
import type { ComparisonVerdict, Rate, TrainingComparison, TrainingRun } from '../../../main/api/contract';

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
const percent = (value: number) => `${(value * 100).toFixed(1)} %`;
const signed = (value: number) => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(4)}`;

function rate(value: Rate | null): string {
  if (value === null) return '—';
  return `${percent(value.value)} (${value.hits}/${value.of}; ${percent(value.interval.low)}–${percent(value.interval.high)})`;
}

function verdictText(comparison: TrainingComparison): string {
  const sample = `${plural(comparison.images, 'held-out image')} of ${plural(comparison.patients, 'patient')}`;
  const words: Record<ComparisonVerdict, string> = {
    'no-current-model': `No model is current, so there is nothing to compare with; the new model's scores on ${sample} are shown alone.`,
    better: `The new model scores better than the current one on ${sample}: the 95% interval of the difference lies above 0.`,
    worse: `The new model scores worse than the current one on ${sample}: the 95% interval of the difference lies below 0.`,
    undecided:
      comparison.diceDifference?.interval === null
        ? `${sample[0].toUpperCase()}${sample.slice(1)} are too few to tell the models apart.`
        : `${sample[0].toUpperCase()}${sample.slice(1)} do not show the new model to be better: the 95% interval of the difference includes 0.`,
  };
  return words[comparison.verdict];
}

type Props = { run: TrainingRun; busy: boolean; onPromote: () => void; onDiscard: () => void };

export function ComparisonPanel({ run, busy, onPromote, onDiscard }: Props) {
  const { comparison } = run;
  const promoteFirst = comparison !== null && (comparison.verdict === 'better' || comparison.verdict === 'no-current-model');
  const rows = comparison
    ? [
        { name: `New: ${run.candidate ?? 'trained model'}`, score: comparison.candidate, testId: 'score-candidate' },
        ...(comparison.current ? [{ name: `Current: ${comparison.current.ref}`, score: comparison.current, testId: 'score-current' }] : []),
      ]
    : [];
  const difference = comparison?.diceDifference;
  return (
    <section className="comparison" data-testid="comparison" data-verdict={comparison?.verdict ?? 'none'}>
      <h2>Held-out comparison</h2>
      {comparison ? (
        <>
          <p className="muted" data-testid="comparison-sample">
            Held out (never trained on): {plural(comparison.images, 'image')} of {plural(comparison.patients, 'patient')}. Sensitivity and specificity of the
            flag with 95% Wilson intervals.
          </p>
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
                  <td className="numeric">{rate(score.sensitivity)}</td>
                  <td className="numeric">{rate(score.specificity)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {difference && (
            <p className="comparison__difference" data-testid="comparison-difference">
              Mean Dice, new − current: {signed(difference.estimate)}
              {difference.interval
                ? `, 95% interval ${signed(difference.interval.low)} to ${signed(difference.interval.high)} (paired bootstrap over the images, ${difference.resamples} resamples)`
                : ' (no interval from a single image)'}
            </p>
          )}
          <p className={promoteFirst ? 'comparison__verdict' : 'comparison__verdict text-warn'} data-testid="comparison-verdict">
            {verdictText(comparison)}
          </p>
        </>
      ) : (
        <p className="muted">No comparison is available for this run.</p>
      )}
      <div className="toolbar">
        <button type="button" className={promoteFirst ? 'button button--primary' : 'button'} onClick={onPromote} disabled={busy} data-testid="promote">
          Promote to current
        </button>
        <button type="button" className={promoteFirst ? 'button' : 'button button--primary'} onClick={onDiscard} disabled={busy} data-testid="discard">
          Discard
        </button>
      </div>
    </section>
  );
}

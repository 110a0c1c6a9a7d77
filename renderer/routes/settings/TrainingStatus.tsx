// The run in progress or just ended: what it started from, overall and epoch progress bars, ETA and speed, the live
// curves (loss, validation Dice, learning rate on a log scale), why it ended, and Cancel / Resume (only for a run
// that left a checkpoint to go on from).
import type { TrainingEnd, TrainingRun } from '../../../main/api/contract';
import { formatNumber } from '../../app/format';
import { LineChart } from './LineChart';

const stateLabels: Record<TrainingRun['state'], string> = {
  running: 'Training',
  cancelling: 'Cancelling…',
  comparing: 'Comparing with the current model on the held-out images…',
  finished: 'Finished',
  cancelled: 'Cancelled',
  failed: 'Failed',
  promoted: 'Promoted',
  discarded: 'Discarded',
};

export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  return minutes < 60 ? `${minutes} min ${s % 60} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Ends that are problems are shown as one; the run's error then is the end's own message. */
const failedEnds: readonly TrainingEnd['kind'][] = ['failed', 'stopped-by-force'];

type Props = { run: TrainingRun; busy: boolean; onCancel: () => void; onResume: () => void };

export function TrainingStatus({ run, busy, onCancel, onResume }: Props) {
  const { progress, history } = run;
  const totalEpochs = progress?.totalEpochs ?? run.request.epochs;
  const position = progress?.at ?? 0;
  const active = run.state === 'running' || run.state === 'cancelling';
  const failedEnd = run.end !== null && failedEnds.includes(run.end.kind);
  return (
    <section className="training-status" data-testid="training-status" data-state={run.state}>
      <header className="training-status__header">
        <h2>Run {run.runId}</h2>
        <span className={`badge badge--${run.state === 'failed' ? 'error' : run.state === 'cancelled' ? 'partial' : 'ok'}`} data-testid="training-state">
          {stateLabels[run.state]}
        </span>
        {active && (
          <button type="button" className="button" onClick={onCancel} disabled={busy || run.state === 'cancelling'} data-testid="training-cancel">
            Cancel
          </button>
        )}
        {run.resumable && (
          <button type="button" className="button button--primary" onClick={onResume} disabled={busy} data-testid="training-resume">
            Resume
          </button>
        )}
      </header>
      <p className="training-status__origin muted" data-testid="training-origin">
        {run.startedFrom ? `From ${run.startedFrom}` : 'From scratch'} · {run.request.plan} · {run.size} × {run.size} · {run.request.epochs} epoch{run.request.epochs === 1 ? '' : 's'}
      </p>
      {run.end && (
        <p className={failedEnd ? 'settings__problem' : 'training-status__end'} role={failedEnd ? 'alert' : undefined} data-testid="training-end" data-kind={run.end.kind}>
          {run.end.text}
        </p>
      )}
      {run.error && !failedEnd && <p className="settings__problem" role="alert" data-testid="training-error">{run.error}</p>}
      <div className="training-status__bars">
        <label>
          Overall: {formatNumber(position, 1)} of {totalEpochs} epochs
          <progress max={totalEpochs} value={Math.min(position, totalEpochs)} data-testid="progress-overall" />
        </label>
        <label>
          {progress
            ? `${progress.stage} (stage ${progress.stageIndex + 1}/${progress.stages}) · epoch ${progress.epoch}/${progress.epochs} · step ${progress.step}/${progress.stepsInEpoch}`
            : active
              ? 'Waiting for the first step…'
              : 'No step was trained'}
          <progress max={progress?.stepsInEpoch || 1} value={progress?.step ?? 0} data-testid="progress-epoch" />
        </label>
        <dl className="training-status__facts">
          <dt>ETA</dt>
          <dd data-testid="training-eta">{active && progress ? formatEta(progress.etaSeconds) : '—'}</dd>
          <dt>Speed</dt>
          <dd data-testid="training-speed">{active && progress ? `${formatNumber(progress.imagesPerSecond, 1)} images/s` : '—'}</dd>
          <dt>Engine</dt>
          <dd data-testid="training-engine">{progress ? progress.engine : '—'}</dd>
        </dl>
      </div>
      <div className="training-status__charts">
        <LineChart title="Loss" unit="loss" testId="chart-loss" xMax={totalEpochs} points={history.map((p) => ({ x: p.at, y: p.loss }))} format={(y) => y.toFixed(4)} />
        <LineChart
          title="Validation Dice"
          unit="Dice"
          testId="chart-dice"
          xMax={totalEpochs}
          markers
          points={history.flatMap((p) => (p.valDice === null ? [] : [{ x: p.at, y: p.valDice }]))}
          format={(y) => y.toFixed(3)}
        />
        <LineChart
          title="Learning rate"
          unit="learning rate"
          testId="chart-lr"
          xMax={totalEpochs}
          scale="log"
          points={history.map((p) => ({ x: p.at, y: p.lr }))}
          format={(y) => y.toExponential(1)}
        />
      </div>
    </section>
  );
}

// One progress line for a terminal: where the run is, how it is going and how long it has left.
import type { TrainingProgress } from '../../ml/train/trainer';

export function progressLine(p: TrainingProgress): string {
  const parts = [
    `stage ${p.stage + 1}/${p.stages} ${p.stageName}`,
    `epoch ${p.epoch}/${p.epochs}`,
    `step ${p.step}/${p.stepsInEpoch}`,
    `loss ${p.loss.toFixed(4)}`,
    `lr ${p.lr.toExponential(2)}`,
  ];
  if (p.valDice !== undefined && p.valDice !== null) parts.push(`val Dice ${p.valDice.toFixed(4)}`);
  if (p.imagesPerSecond > 0) parts.push(`${p.imagesPerSecond.toFixed(2)} img/s`);
  parts.push(`ETA ${duration(p.etaSeconds)}`);
  return parts.join('  ');
}

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`;
}

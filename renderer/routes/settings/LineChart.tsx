// A small inline SVG line chart for the live training curves: no chart library, one polyline on axes with ticks and
// labels (x: epochs over the whole plan, so the curve grows left to right as training goes; y: linear, or log for
// the learning rate), and the latest value.
import { axisFraction, epochAxis, linearAxis, logAxis, tickLabel, type Axis } from './chart-axes';

export type ChartPoint = { x: number; y: number };

type Props = {
  title: string;
  /** the y axis's label */
  unit: string;
  points: readonly ChartPoint[];
  xMax: number;
  scale?: Axis['scale'];
  format: (y: number) => string;
  testId: string;
  markers?: boolean;
};

const WIDTH = 300;
const HEIGHT = 150;
const PAD = { left: 44, right: 8, top: 8, bottom: 30 };
const PLOT = { width: WIDTH - PAD.left - PAD.right, height: HEIGHT - PAD.top - PAD.bottom };

export function LineChart({ title, unit, points, xMax, scale = 'linear', format, testId, markers = false }: Props) {
  // A log axis has no place for zero or less.
  const finite = points.filter((p) => Number.isFinite(p.y) && (scale === 'linear' || p.y > 0));
  const ys = finite.map((p) => p.y);
  const x = epochAxis(xMax);
  const y = finite.length === 0 ? null : scale === 'log' ? logAxis(Math.min(...ys), Math.max(...ys)) : linearAxis(Math.min(...ys), Math.max(...ys));
  const sx = (value: number) => PAD.left + axisFraction(x, value) * PLOT.width;
  const sy = (value: number) => PAD.top + (1 - axisFraction(y!, value)) * PLOT.height;
  const last = finite.at(-1);
  return (
    <figure className="chart" data-testid={testId} data-points={finite.length} data-scale={scale}>
      <figcaption className="chart__title">
        {title}
        <span className="chart__value">{last ? format(last.y) : '—'}</span>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} className="chart__svg" role="img" aria-label={`${title} against epoch${scale === 'log' ? ', log scale' : ''}`}>
        <rect x={PAD.left} y={PAD.top} width={PLOT.width} height={PLOT.height} className="chart__frame" />
        {x.ticks.map((tick) => (
          <g key={`x${tick}`} className="chart__tick">
            <line x1={sx(tick)} x2={sx(tick)} y1={PAD.top + PLOT.height} y2={PAD.top + PLOT.height + 4} />
            <text x={sx(tick)} y={PAD.top + PLOT.height + 14} textAnchor="middle" data-testid="chart-x-tick">
              {tickLabel(x, tick)}
            </text>
          </g>
        ))}
        <text x={PAD.left + PLOT.width / 2} y={HEIGHT - 2} textAnchor="middle" className="chart__axis-label">
          epoch
        </text>
        {y &&
          y.ticks.map((tick) => (
            <g key={`y${tick}`} className="chart__tick">
              <line x1={PAD.left} x2={PAD.left + PLOT.width} y1={sy(tick)} y2={sy(tick)} className="chart__grid" />
              <text x={PAD.left - 4} y={sy(tick) + 3} textAnchor="end" data-testid="chart-y-tick">
                {tickLabel(y, tick)}
              </text>
            </g>
          ))}
        <text x={10} y={PAD.top + PLOT.height / 2} textAnchor="middle" transform={`rotate(-90 10 ${PAD.top + PLOT.height / 2})`} className="chart__axis-label">
          {unit}
        </text>
        {y && finite.length > 1 && <polyline points={finite.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ')} className="chart__line" />}
        {y && (markers || finite.length === 1) && finite.map((p, i) => <circle key={i} cx={sx(p.x)} cy={sy(p.y)} r="2.5" className="chart__dot" />)}
        {!y && (
          <text x={PAD.left + PLOT.width / 2} y={PAD.top + PLOT.height / 2} textAnchor="middle" className="chart__axis-label">
            no data yet
          </text>
        )}
      </svg>
    </figure>
  );
}

// A small inline SVG line chart for the live training curves: no chart library, one polyline, its range and its
// latest value. x runs over the whole plan (0 … xMax epochs) so the curve grows left to right as training goes.
export type ChartPoint = { x: number; y: number };

type Props = { title: string; points: readonly ChartPoint[]; xMax: number; format: (y: number) => string; testId: string; markers?: boolean };

const WIDTH = 300;
const HEIGHT = 110;
const PAD = { left: 6, right: 6, top: 8, bottom: 8 };

export function LineChart({ title, points, xMax, format, testId, markers = false }: Props) {
  const finite = points.filter((p) => Number.isFinite(p.y));
  const ys = finite.map((p) => p.y);
  const low = Math.min(...ys);
  const high = Math.max(...ys);
  const span = high - low || Math.abs(high) || 1;
  const sx = (x: number) => PAD.left + (x / Math.max(xMax, 1e-9)) * (WIDTH - PAD.left - PAD.right);
  const sy = (y: number) => HEIGHT - PAD.bottom - ((y - low) / span) * (HEIGHT - PAD.top - PAD.bottom);
  const line = finite.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
  const last = finite.at(-1);
  return (
    <figure className="chart" data-testid={testId} data-points={finite.length}>
      <figcaption className="chart__title">
        {title}
        <span className="chart__value">{last ? format(last.y) : '—'}</span>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} className="chart__svg" role="img" aria-label={`${title} curve`}>
        <rect x="0" y="0" width={WIDTH} height={HEIGHT} className="chart__frame" />
        {finite.length > 1 && <polyline points={line} className="chart__line" />}
        {(markers || finite.length === 1) && finite.map((p, i) => <circle key={i} cx={sx(p.x)} cy={sy(p.y)} r="2.5" className="chart__dot" />)}
      </svg>
      <div className="chart__range muted">{finite.length ? `${format(low)} – ${format(high)}` : 'no data yet'}</div>
    </figure>
  );
}

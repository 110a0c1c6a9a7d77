// The heatmap's key: the colormap from probability 0 to 1, with the rule's thresholds marked where they fall.
import type { PostProcessRule } from '../../../ml/post/rules';
import { formatNumber } from '../../app/format';
import { HEATMAP_FLOOR, legendGradient } from '../../viewer/heatmap-colors';
import { ruleThresholds } from './rule-thresholds';

const gradient = legendGradient();

export function ColormapLegend({ rule }: { rule: PostProcessRule | null }) {
  const marks = rule ? ruleThresholds(rule) : [];
  const described = marks.map((mark) => `${mark.label} ${formatNumber(mark.value, 2)}`).join(', ');
  return (
    <figure
      className="colormap-legend"
      data-testid="colormap-legend"
      aria-label={`Heatmap colours for probability 0 to 1${described ? `; thresholds: ${described}` : ''}; transparent below ${HEATMAP_FLOOR}`}
    >
      <div className="colormap-legend__bar" style={{ background: gradient }}>
        {marks.map((mark) => (
          <span
            key={mark.label}
            className="colormap-legend__mark"
            style={{ left: `${mark.value * 100}%` }}
            title={`${mark.label} threshold ${formatNumber(mark.value, 2)}`}
            data-threshold={mark.value}
          >
            <span className="colormap-legend__mark-label">
              {mark.label} {formatNumber(mark.value, 2)}
            </span>
          </span>
        ))}
      </div>
      <figcaption className="colormap-legend__scale">
        <span>0</span>
        <span>probability</span>
        <span>1</span>
      </figcaption>
    </figure>
  );
}

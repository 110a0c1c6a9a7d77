// The heatmap's key: the colormap from probability 0 to 1, with the rule's thresholds marked where they fall. The
// labels are measured once drawn and placed in lanes (legend-labels) so that close thresholds never overlap.
import { useLayoutEffect, useRef, useState } from 'react';
import type { PostProcessRule } from '../../../ml/post/rules';
import { formatNumber } from '../../app/format';
import { HEATMAP_FLOOR, legendGradient } from '../../viewer/heatmap-colors';
import { placeLegendLabels, type LabelPlace } from './legend-labels';
import { ruleThresholds } from './rule-thresholds';

const gradient = legendGradient();
/** a lane's height, the label's line included */
const LANE_REM = 0.95;

export function ColormapLegend({ rule }: { rule: PostProcessRule | null }) {
  const marks = rule ? ruleThresholds(rule) : [];
  const described = marks.map((mark) => `${mark.label} ${formatNumber(mark.value, 2)}`).join(', ');
  const bar = useRef<HTMLDivElement>(null);
  const labels = useRef<(HTMLSpanElement | null)[]>([]);
  const [places, setPlaces] = useState<LabelPlace[]>([]);
  const marksKey = marks.map((mark) => `${mark.label} ${mark.value}`).join();

  useLayoutEffect(() => {
    const width = bar.current?.clientWidth ?? 0;
    const widths = marks.map((_, k) => labels.current[k]?.offsetWidth ?? 0);
    setPlaces(placeLegendLabels(marks.map((mark) => mark.value * width), widths, width));
    // Keyed on the thresholds, not the rule object: the same thresholds need no new layout.
  }, [marksKey]);

  const lanes = places.length === marks.length && marks.length > 0 ? Math.max(...places.map((place) => place.lane)) + 1 : 1;
  return (
    <figure
      className="colormap-legend"
      style={{ paddingTop: `${lanes * LANE_REM}rem` }}
      data-testid="colormap-legend"
      aria-label={`Heatmap colours for probability 0 to 1${described ? `; thresholds: ${described}` : ''}; transparent below ${HEATMAP_FLOOR}`}
    >
      <div className="colormap-legend__bar" style={{ background: gradient }} ref={bar}>
        {marks.map((mark) => (
          <span
            key={mark.label}
            className="colormap-legend__mark"
            style={{ left: `${mark.value * 100}%` }}
            title={`${mark.label} threshold ${formatNumber(mark.value, 2)}`}
            data-threshold={mark.value}
          />
        ))}
        {marks.map((mark, k) => {
          const place = places.length === marks.length ? places[k] : undefined;
          return (
            <span
              key={mark.label}
              ref={(element) => {
                labels.current[k] = element;
              }}
              className="colormap-legend__mark-label"
              style={place ? { left: place.left, bottom: `calc(100% + ${0.25 + place.lane * LANE_REM}rem)` } : { visibility: 'hidden' }}
              data-testid="legend-label"
              data-lane={place?.lane}
            >
              {mark.label} {formatNumber(mark.value, 2)}
            </span>
          );
        })}
      </div>
      <figcaption className="colormap-legend__scale">
        <span>0</span>
        <span>probability</span>
        <span>1</span>
      </figcaption>
    </figure>
  );
}

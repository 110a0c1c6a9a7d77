import { describe, expect, it } from 'vitest';
import { placeLegendLabels } from '../../../../renderer/routes/viewer/legend-labels';

describe('the legend labels', () => {
  it('centres labels over marks that are far apart, all in the first lane', () => {
    // a 200 px bar, thresholds 0.3 and 0.75, labels 50 px wide
    expect(placeLegendLabels([60, 150], [50, 50], 200)).toEqual([
      { left: 35, lane: 0 },
      { left: 125, lane: 0 },
    ]);
  });

  it('raises a label that would overlap its neighbour to the next lane', () => {
    // thresholds 0.5 and 0.55: centres 100 and 110, labels 50 px wide would overlap by 40 px
    expect(placeLegendLabels([100, 110], [50, 50], 200)).toEqual([
      { left: 75, lane: 0 },
      { left: 85, lane: 1 },
    ]);
  });

  it('goes back to the first lane once there is room again', () => {
    // 75-125 in lane 0, 85-135 in lane 1, 155-205 clamped to 150-200 fits lane 0 (125 + 4 <= 150)
    expect(placeLegendLabels([100, 110, 180], [50, 50, 50], 200)).toEqual([
      { left: 75, lane: 0 },
      { left: 85, lane: 1 },
      { left: 150, lane: 0 },
    ]);
  });

  it('keeps labels inside the bar at either end, and places them in value order whatever order they come in', () => {
    // 0.98 then 0.02 on a 200 px bar, 40 px labels: clamped to 160 and 0
    expect(placeLegendLabels([196, 4], [40, 40], 200)).toEqual([
      { left: 160, lane: 0 },
      { left: 0, lane: 0 },
    ]);
  });

  it('keeps the gap between labels in one lane', () => {
    // 0-50 and 52-102: 2 px apart, less than the 4 px gap
    expect(placeLegendLabels([25, 77], [50, 50], 200)[1].lane).toBe(1);
    expect(placeLegendLabels([25, 77], [50, 50], 200, 2)[1].lane).toBe(0);
  });
});

// Where the heatmap legend's threshold labels go: each centred over its mark, kept inside the bar's ends, and raised
// to the next lane up when it would touch a label already placed, so thresholds close together stay readable.

/** A label's left edge along the bar and its lane: 0 just above the bar, 1 above that, … */
export type LabelPlace = { left: number; lane: number };

/**
 * `centres` (the marks) and `widths` (the labels) in pixels along a bar `barWidth` wide; labels in one lane keep
 * `gap` pixels apart. Marks are taken left to right, each into the lowest lane with room for it.
 */
export function placeLegendLabels(centres: readonly number[], widths: readonly number[], barWidth: number, gap = 4): LabelPlace[] {
  const places: LabelPlace[] = new Array(centres.length);
  /** where each lane's rightmost label ends */
  const laneEnds: number[] = [];
  const leftToRight = centres.map((_, k) => k).sort((a, b) => centres[a] - centres[b]);
  for (const k of leftToRight) {
    const left = Math.min(Math.max(centres[k] - widths[k] / 2, 0), Math.max(barWidth - widths[k], 0));
    const free = laneEnds.findIndex((end) => end + gap <= left);
    const lane = free === -1 ? laneEnds.length : free;
    laneEnds[lane] = left + widths[k];
    places[k] = { left, lane };
  }
  return places;
}

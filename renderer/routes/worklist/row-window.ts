// Which rows of a long, fixed-row-height table to put in the DOM: those in the scroll viewport plus a few either
// side, so thousands of studies scroll as smoothly as ten. Geometry only, no DOM.

export type RowGeometry = {
  rowHeight: number;
  /** the sticky header's height: rows start below it and hide behind it */
  headerHeight: number;
  count: number;
};

export type RowWindow = { start: number; end: number; padTop: number; padBottom: number };

/** Rows [start, end) to render for a viewport of `viewportHeight` at `scrollTop`, `overscan` rows extra each side. */
export function rowWindow({ rowHeight, headerHeight, count }: RowGeometry, scrollTop: number, viewportHeight: number, overscan: number): RowWindow {
  const top = Math.max(0, scrollTop - headerHeight);
  const bottom = Math.max(0, scrollTop + viewportHeight - headerHeight);
  const start = clamp(Math.floor(top / rowHeight) - overscan, 0, count);
  const end = clamp(Math.ceil(bottom / rowHeight) + overscan, start, count);
  return { start, end, padTop: start * rowHeight, padBottom: (count - end) * rowHeight };
}

/** The scrollTop that brings row `index` fully into view with the least movement; the current one if it is. */
export function scrollTopShowing({ rowHeight, headerHeight }: RowGeometry, index: number, scrollTop: number, viewportHeight: number): number {
  const rowTop = index * rowHeight; // below the header, in scrollTop units
  if (rowTop < scrollTop) return rowTop;
  const rowBottom = headerHeight + rowTop + rowHeight;
  return rowBottom > scrollTop + viewportHeight ? rowBottom - viewportHeight : scrollTop;
}

/** How many whole rows fit below the header: one Page Up/Down step. */
export function rowsPerPage({ rowHeight, headerHeight }: RowGeometry, viewportHeight: number): number {
  return Math.max(1, Math.floor((viewportHeight - headerHeight) / rowHeight));
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}

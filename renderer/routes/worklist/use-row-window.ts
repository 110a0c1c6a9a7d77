// Windowing for the worklist table: measures the scroll container (its height, its sticky header, one rendered
// row) and says which rows to render; re-renders only when the scroll crosses a row, not on every scroll event.
import { useCallback, useLayoutEffect, useState } from 'react';
import { rowsPerPage, rowWindow, scrollTopShowing, type RowGeometry } from './row-window';

/** Before the first measurement (and wherever nothing can be measured): a tall screen's worth of rows. */
const assumedViewportHeight = 900;
const overscan = 10;

export function useRowWindow(count: number, estimatedRowHeight: number) {
  const [scroller, setScroller] = useState<HTMLElement | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewportHeight, setViewportHeight] = useState(assumedViewportHeight);
  const [headerHeight, setHeaderHeight] = useState(0);
  const [rowHeight, setRowHeight] = useState(estimatedRowHeight);
  const geometry: RowGeometry = { rowHeight, headerHeight, count };

  // Sizes are read only when they can change (a resize, a new row count): reading them on every scroll event
  // would force a layout of the table each time.
  const measureSizes = useCallback(() => {
    if (!scroller) return;
    const row = scroller.querySelector<HTMLElement>('tbody tr[data-index]');
    setRowHeight(row?.getBoundingClientRect().height || estimatedRowHeight);
    setHeaderHeight(scroller.querySelector('thead')?.getBoundingClientRect().height ?? 0);
    setViewportHeight(scroller.clientHeight || assumedViewportHeight);
  }, [scroller, estimatedRowHeight]);

  const followScroll = useCallback(() => {
    // Rounded down to whole rows: React skips the render while the scroll stays within one row.
    if (scroller) setScrollTop(Math.floor(scroller.scrollTop / rowHeight) * rowHeight);
  }, [scroller, rowHeight]);

  useLayoutEffect(() => {
    if (!scroller) return;
    const observer = new ResizeObserver(measureSizes);
    observer.observe(scroller);
    scroller.addEventListener('scroll', followScroll, { passive: true });
    return () => {
      observer.disconnect();
      scroller.removeEventListener('scroll', followScroll);
    };
  }, [scroller, measureSizes, followScroll]);

  // A filter or a refetch changes the row count; the browser clamps the scroll position to the new height.
  useLayoutEffect(() => {
    measureSizes();
    followScroll();
  }, [count, measureSizes, followScroll]);

  /** Scrolls row `index` into view (below the sticky header), rendering it at once. */
  const scrollToIndex = useCallback(
    (index: number) => {
      if (!scroller) return;
      const top = scrollTopShowing({ rowHeight, headerHeight, count }, index, scroller.scrollTop, scroller.clientHeight);
      if (top !== scroller.scrollTop) scroller.scrollTop = top;
      followScroll();
    },
    [scroller, rowHeight, headerHeight, count, followScroll],
  );

  return {
    container: scroller,
    containerRef: setScroller,
    span: rowWindow(geometry, scrollTop, viewportHeight, overscan),
    rowHeight,
    pageRows: rowsPerPage(geometry, viewportHeight),
    scrollToIndex,
  };
}

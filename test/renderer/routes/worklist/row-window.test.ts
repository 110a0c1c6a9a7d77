import { describe, expect, it } from 'vitest';
import { rowWindow, rowsPerPage, scrollTopShowing } from '../../../../renderer/routes/worklist/row-window';

const geometry = { rowHeight: 36, headerHeight: 30, count: 5000 };

describe('row window', () => {
  it('renders only the rows in view plus the overscan, with padding standing in for the rest', () => {
    const top = rowWindow(geometry, 0, 600, 10);
    // 570 px of rows below the header: 16 rows, partly the last, and 10 more.
    expect(top).toEqual({ start: 0, end: 26, padTop: 0, padBottom: (5000 - 26) * 36 });
    const middle = rowWindow(geometry, 36 * 2000 + 30, 600, 10);
    expect(middle.start).toBe(1990);
    expect(middle.end).toBe(2000 + Math.ceil(600 / 36) + 10);
    // The rows and the padding always add up to the whole table.
    expect(middle.padTop + (middle.end - middle.start) * 36 + middle.padBottom).toBe(5000 * 36);
  });

  it('clamps at the end and when the table is short or empty', () => {
    const bottom = rowWindow(geometry, 5000 * 36 + 30 - 600, 600, 10);
    expect(bottom.end).toBe(5000);
    expect(bottom.padBottom).toBe(0);
    expect(rowWindow({ ...geometry, count: 3 }, 0, 600, 10)).toEqual({ start: 0, end: 3, padTop: 0, padBottom: 0 });
    expect(rowWindow({ ...geometry, count: 0 }, 400, 600, 10)).toEqual({ start: 0, end: 0, padTop: 0, padBottom: 0 });
  });

  it('scrolls a row fully into view below the sticky header, moving as little as possible', () => {
    // In view already: no movement.
    expect(scrollTopShowing(geometry, 5, 0, 600)).toBe(0);
    // Below the viewport: its bottom edge comes to the viewport's bottom.
    expect(scrollTopShowing(geometry, 100, 0, 600)).toBe(30 + 101 * 36 - 600);
    // Above (or behind the header): its top comes to just under the header.
    expect(scrollTopShowing(geometry, 10, 36 * 50, 600)).toBe(360);
    expect(scrollTopShowing(geometry, 0, 20, 600)).toBe(0);
  });

  it('pages by the whole rows that fit below the header', () => {
    expect(rowsPerPage(geometry, 600)).toBe(15);
    expect(rowsPerPage(geometry, 10)).toBe(1);
  });
});

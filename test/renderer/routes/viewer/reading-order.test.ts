import { describe, expect, it } from 'vitest';
import { neighboursIn, readingOrderOf } from '../../../../renderer/routes/viewer/reading-order';
import { viewerState } from '../../../../renderer/routes/paths';

describe('reading order', () => {
  const order = ['a', 'b', 'c'];

  it('gives the studies before and after, and the place in the order', () => {
    expect(neighboursIn(order, 'a')).toEqual({ previous: null, next: 'b', position: 1, total: 3 });
    expect(neighboursIn(order, 'b')).toEqual({ previous: 'a', next: 'c', position: 2, total: 3 });
    expect(neighboursIn(order, 'c')).toEqual({ previous: 'b', next: null, position: 3, total: 3 });
  });

  it('goes on to the first study from one that is not in the order', () => {
    expect(neighboursIn(order, 'z')).toEqual({ previous: null, next: 'a', position: null, total: 3 });
    expect(neighboursIn([], 'z')).toEqual({ previous: null, next: null, position: null, total: 0 });
  });

  it("reads the order from the viewer's location state, and nothing else", () => {
    expect(readingOrderOf(viewerState(order))).toEqual(order);
    expect(readingOrderOf(null)).toBeNull();
    expect(readingOrderOf(undefined)).toBeNull();
    expect(readingOrderOf({ readingOrder: 'a,b' })).toBeNull();
    expect(readingOrderOf({ readingOrder: ['a', 2] })).toBeNull();
  });
});

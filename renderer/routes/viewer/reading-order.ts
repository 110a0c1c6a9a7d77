// Next and previous study: the studies in the order the worklist showed them when the viewer was opened (its sort
// and filter), kept while the reviewer reads on, so a study that a review moves in the worklist's priority order
// is not met twice or skipped. A viewer opened without one (a typed address, a reload in another tab) reads in
// the worklist's priority order.
import type { ViewerState } from '../paths';

/** The reading order in a location's state, when it holds one. */
export function readingOrderOf(state: unknown): readonly string[] | null {
  const order = (state as Partial<ViewerState> | null)?.readingOrder;
  return Array.isArray(order) && order.every((uid) => typeof uid === 'string') ? order : null;
}

export type StudyNeighbours = {
  previous: string | null;
  next: string | null;
  /** 1-based place of the study in the order; null when it is not in it */
  position: number | null;
  total: number;
};

export function neighboursIn(order: readonly string[], studyInstanceUid: string): StudyNeighbours {
  const index = order.indexOf(studyInstanceUid);
  if (index < 0) return { previous: null, next: order[0] ?? null, position: null, total: order.length };
  return { previous: order[index - 1] ?? null, next: order[index + 1] ?? null, position: index + 1, total: order.length };
}

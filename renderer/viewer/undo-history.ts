// Undo and redo as plain data: the states before the present one, the present, and the undone ones. Committing a
// state equal to the present adds no step (a click that painted nothing new is not an edit); committing after an
// undo drops the redo branch, as editors do. The oldest steps go beyond `limit`.

export type History<T> = { readonly past: readonly T[]; readonly present: T; readonly future: readonly T[] };

export const HISTORY_LIMIT = 50;

export function startHistory<T>(present: T): History<T> {
  return { past: [], present, future: [] };
}

export function commit<T>(history: History<T>, next: T, limit = HISTORY_LIMIT): History<T> {
  if (Object.is(next, history.present)) return history;
  return { past: [...history.past, history.present].slice(-limit), present: next, future: [] };
}

export function undo<T>(history: History<T>): History<T> {
  if (history.past.length === 0) return history;
  return { past: history.past.slice(0, -1), present: history.past[history.past.length - 1], future: [history.present, ...history.future] };
}

export function redo<T>(history: History<T>): History<T> {
  if (history.future.length === 0) return history;
  return { past: [...history.past, history.present], present: history.future[0], future: history.future.slice(1) };
}

export const canUndo = (history: History<unknown>): boolean => history.past.length > 0;
export const canRedo = (history: History<unknown>): boolean => history.future.length > 0;

import { describe, expect, it } from 'vitest';
import { canRedo, canUndo, commit, redo, startHistory, undo } from '../../../renderer/viewer/undo-history';

describe('undo history', () => {
  it('undoes and redoes commits in order', () => {
    let history = commit(commit(startHistory('a'), 'b'), 'c');
    expect(history).toEqual({ past: ['a', 'b'], present: 'c', future: [] });
    history = undo(undo(history));
    expect(history).toEqual({ past: [], present: 'a', future: ['b', 'c'] });
    expect([canUndo(history), canRedo(history)]).toEqual([false, true]);
    history = redo(history);
    expect(history).toEqual({ past: ['a'], present: 'b', future: ['c'] });
  });

  it('adds no step for a state equal to the present', () => {
    const history = startHistory('a');
    expect(commit(history, 'a')).toBe(history);
  });

  it('drops the redo branch on a new commit', () => {
    const history = commit(undo(commit(startHistory('a'), 'b')), 'c');
    expect(history).toEqual({ past: ['a'], present: 'c', future: [] });
  });

  it('does nothing past either end', () => {
    const history = startHistory('a');
    expect(undo(history)).toBe(history);
    expect(redo(history)).toBe(history);
  });

  it('forgets the oldest steps beyond the limit', () => {
    let history = startHistory(0);
    for (let i = 1; i <= 5; i++) history = commit(history, i, 3);
    expect(history).toEqual({ past: [2, 3, 4], present: 5, future: [] });
  });
});

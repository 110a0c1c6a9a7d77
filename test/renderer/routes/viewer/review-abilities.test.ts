import { describe, expect, it } from 'vitest';
import { reviewAbilities } from '../../../../renderer/routes/viewer/review-abilities';

const idle = { available: true, busy: false, edited: false, canUndo: false, canRedo: false };

describe('review abilities', () => {
  it('lets a shown finding be confirmed, rejected or edited, with nothing to save or undo yet', () => {
    expect(reviewAbilities(idle)).toEqual({ decide: true, edit: true, save: false, undo: false, redo: false });
  });

  it('asks for unsaved edits to be saved or undone before a confirm or reject', () => {
    expect(reviewAbilities({ ...idle, edited: true, canUndo: true })).toEqual({ decide: false, edit: true, save: true, undo: true, redo: false });
  });

  it('allows nothing but looking while a review is being saved', () => {
    expect(reviewAbilities({ ...idle, busy: true, edited: true, canUndo: true, canRedo: true })).toEqual({
      decide: false,
      edit: false,
      save: false,
      undo: false,
      redo: false,
    });
  });

  it('allows no decision or edit without a shown finding', () => {
    expect(reviewAbilities({ ...idle, available: false })).toEqual({ decide: false, edit: false, save: false, undo: false, redo: false });
  });
});

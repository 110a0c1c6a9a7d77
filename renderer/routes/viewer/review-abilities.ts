// What the reviewer may do to the shown image now, decided once for the buttons and the keys alike: confirm or
// reject only a finding that is shown, with nothing being saved and no unsaved edits (those are saved or undone
// first); edit only a shown finding while nothing is being saved.
export type ReviewSituation = { available: boolean; busy: boolean; edited: boolean; canUndo: boolean; canRedo: boolean };

export type ReviewAbilities = { decide: boolean; edit: boolean; save: boolean; undo: boolean; redo: boolean };

export function reviewAbilities({ available, busy, edited, canUndo, canRedo }: ReviewSituation): ReviewAbilities {
  const edit = available && !busy;
  return { decide: edit && !edited, edit, save: edit && edited, undo: canUndo && !busy, redo: canRedo && !busy };
}

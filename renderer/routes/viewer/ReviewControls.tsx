// The radiologist's answer to a finding: confirm or reject it as it stands, or correct the mask with the brush and
// the eraser (their size, undo, redo) and save the edited mask. What is possible now is review-abilities.ts's call.
import type { PrimaryTool } from '../../viewer/stack-mode';
import { BrushSizeControl } from './BrushSizeControl';
import type { ReviewAbilities } from './review-abilities';
import { describeShortcut, titleOf, type ShortcutId } from './shortcuts';
import { ToggleButton } from './ToggleButton';
import type { BrushSize } from './use-brush-size';
import type { MaskEditing } from './use-mask-editing';

type Props = {
  editing: MaskEditing;
  can: ReviewAbilities;
  brush: BrushSize;
  onDecide: (decision: 'confirmed' | 'rejected') => void;
  onSave: () => void;
};

const decisionButtons = [
  { decision: 'confirmed', text: 'Confirm', shortcut: 'confirm', testId: 'review-confirm', className: 'button--ok' },
  { decision: 'rejected', text: 'Reject', shortcut: 'reject', testId: 'review-reject', className: 'button--danger' },
] as const;

const toolButtons: { tool: PrimaryTool & ShortcutId; label: string; testId: string; title: string }[] = [
  { tool: 'brush', label: 'Brush', testId: 'brush-tool', title: 'Paint the mask with the left button' },
  { tool: 'eraser', label: 'Eraser', testId: 'eraser-tool', title: 'Erase from the mask with the left button' },
];

export function ReviewControls({ editing, can, brush, onDecide, onSave }: Props) {
  const { tool, edited } = editing;
  return (
    <div className="toolbar review-controls" role="toolbar" aria-label="Review">
      {decisionButtons.map((one) => (
        <button
          key={one.decision}
          type="button"
          className={`button ${one.className}`}
          disabled={!can.decide}
          onClick={() => onDecide(one.decision)}
          data-testid={one.testId}
          aria-label={describeShortcut(one.shortcut)}
          title={edited ? 'Save or undo the edits first' : titleOf(one.shortcut)}
        >
          {one.text}
        </button>
      ))}
      <span className="toolbar__divider" aria-hidden="true" />
      {toolButtons.map((one) => (
        <ToggleButton
          key={one.tool}
          pressed={tool === one.tool}
          disabled={!can.edit}
          onToggle={() => editing.chooseTool(tool === one.tool ? 'window-level' : one.tool)}
          testId={one.testId}
          label={titleOf(one.tool, one.title)}
        >
          {one.label}
        </ToggleButton>
      ))}
      <BrushSizeControl brush={brush} disabled={!can.edit} />
      <button type="button" className="button" disabled={!can.undo} onClick={editing.undo} data-testid="undo" aria-label={describeShortcut('undo')} title={titleOf('undo')}>
        Undo
      </button>
      <button
        type="button"
        className="button"
        disabled={!can.redo}
        onClick={editing.redo}
        data-testid="redo"
        aria-label={describeShortcut('redo')}
        title={titleOf('redo')}
      >
        Redo
      </button>
      <button
        type="button"
        className="button button--primary"
        disabled={!can.save}
        onClick={onSave}
        data-testid="review-save"
        aria-label="Save the edited mask"
      >
        Save mask
      </button>
      {editing.problem && (
        <span className="text-danger" role="alert" data-testid="review-problem">
          {editing.problem}
        </span>
      )}
    </div>
  );
}

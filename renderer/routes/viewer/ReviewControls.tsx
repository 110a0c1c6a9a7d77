// The radiologist's answer to a finding: confirm or reject it as it stands, or correct the mask with the brush and
// the eraser (undo, redo) and save the edited mask. Unsaved edits must be saved or undone before a confirm or reject.
import type { PrimaryTool } from '../../viewer/stack-mode';
import { ToggleButton } from './ToggleButton';
import type { MaskEditing } from './use-mask-editing';

type Props = {
  editing: MaskEditing;
  available: boolean;
  busy: boolean;
  onDecide: (decision: 'confirmed' | 'rejected') => void;
  onSave: () => void;
};

const decisionButtons = [
  { decision: 'confirmed', text: 'Confirm', label: 'Confirm the finding as shown', testId: 'review-confirm', className: 'button--ok' },
  { decision: 'rejected', text: 'Reject', label: 'Reject the finding: no pneumothorax', testId: 'review-reject', className: 'button--danger' },
] as const;

const toolButtons: { tool: PrimaryTool; label: string; testId: string; title: string }[] = [
  { tool: 'brush', label: 'Brush', testId: 'brush-tool', title: 'Paint the mask (left drag)' },
  { tool: 'eraser', label: 'Eraser', testId: 'eraser-tool', title: 'Erase from the mask (left drag)' },
];

export function ReviewControls({ editing, available, busy, onDecide, onSave }: Props) {
  const { tool, edited } = editing;
  return (
    <div className="toolbar review-controls" role="toolbar" aria-label="Review">
      {decisionButtons.map((one) => (
        <button
          key={one.decision}
          type="button"
          className={`button ${one.className}`}
          disabled={!available || busy || edited}
          onClick={() => onDecide(one.decision)}
          data-testid={one.testId}
          aria-label={one.label}
          title={edited ? 'Save or undo the edits first' : one.label}
        >
          {one.text}
        </button>
      ))}
      <span className="toolbar__divider" aria-hidden="true" />
      {toolButtons.map((one) => (
        <ToggleButton
          key={one.tool}
          pressed={tool === one.tool}
          disabled={!available || busy}
          onToggle={() => editing.chooseTool(tool === one.tool ? 'window-level' : one.tool)}
          testId={one.testId}
          label={one.title}
        >
          {one.label}
        </ToggleButton>
      ))}
      <button type="button" className="button" disabled={!editing.canUndo || busy} onClick={editing.undo} data-testid="undo" aria-label="Undo the last stroke">
        Undo
      </button>
      <button type="button" className="button" disabled={!editing.canRedo || busy} onClick={editing.redo} data-testid="redo" aria-label="Redo the undone stroke">
        Redo
      </button>
      <button
        type="button"
        className="button button--primary"
        disabled={!available || busy || !edited}
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

// Asked before unsaved mask edits are thrown away. Staying comes first, so the opened dialog gives it the focus
// and Enter or Escape keeps the edits; leaving says what it costs.
import { ModalDialog } from './ModalDialog';

export function LeaveDialog({ open, onStay, onLeave }: { open: boolean; onStay: () => void; onLeave: () => void }) {
  return (
    <ModalDialog open={open} onClose={onStay} title="Unsaved mask edits" testId="leave-dialog">
      <p>The mask has edits that are not saved. Leaving this image discards them.</p>
      <div className="modal-dialog__actions">
        <button type="button" className="button button--primary" onClick={onStay} data-testid="leave-stay">
          Stay and keep editing
        </button>
        <button type="button" className="button button--danger" onClick={onLeave} data-testid="leave-discard">
          Discard edits and leave
        </button>
      </div>
    </ModalDialog>
  );
}

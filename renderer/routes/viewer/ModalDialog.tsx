// A modal <dialog>: the browser keeps the focus inside it while it is open, Escape closes it (`onClose`), and the
// focus returns to where it was when it closes.
import { useEffect, useRef, type ReactNode } from 'react';

type Props = { open: boolean; onClose: () => void; title: string; testId: string; className?: string; children: ReactNode };

export function ModalDialog({ open, onClose, title, testId, className = '', children }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} className={`modal-dialog ${className}`} data-testid={testId} aria-label={title} onClose={onClose}>
      <h2 className="modal-dialog__title">{title}</h2>
      {children}
    </dialog>
  );
}

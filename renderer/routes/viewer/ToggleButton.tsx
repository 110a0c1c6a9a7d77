// An on/off button: its state is aria-pressed (read out by screen readers, styled by .button[aria-pressed]).
import type { ReactNode } from 'react';

type Props = { pressed: boolean; onToggle: () => void; testId: string; label: string; disabled?: boolean; children: ReactNode };

export function ToggleButton({ pressed, onToggle, testId, label, disabled = false, children }: Props) {
  return (
    <button type="button" className="button" aria-pressed={pressed} disabled={disabled} onClick={onToggle} data-testid={testId} aria-label={label} title={label}>
      {children}
    </button>
  );
}

import type { ViewState } from '../../viewer/stack-session';
import { formatWindow } from './format-window';

type Props = { view: ViewState; disabled: boolean; onReset: () => void; onInvert: () => void };

export function ViewportToolbar({ view, disabled, onReset, onInvert }: Props) {
  return (
    <div className="toolbar viewport-toolbar" role="toolbar" aria-label="Image tools">
      <button type="button" className="button" onClick={onReset} disabled={disabled} data-testid="reset-button">
        Reset
      </button>
      <button
        type="button"
        className="button"
        onClick={onInvert}
        disabled={disabled}
        aria-pressed={view.invert}
        data-testid="invert-button"
      >
        Invert
      </button>
      <span className="wl-readout mono" data-testid="wl-readout" aria-live="polite">
        {view.window ? formatWindow(view.window) : 'W/L —'}
      </span>
      <span className="viewport-toolbar__hint muted">Left drag: window/level · Middle drag: pan · Right drag or wheel: zoom</span>
    </div>
  );
}

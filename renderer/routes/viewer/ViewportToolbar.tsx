import type { ViewState } from '../../viewer/stack-session';
import { windowPresetLabels, type WindowPreset } from '../../viewer/window-presets';
import { formatWindow } from './format-window';
import { titleOf, type ShortcutId } from './shortcuts';

type Props = {
  view: ViewState;
  disabled: boolean;
  onReset: () => void;
  onInvert: () => void;
  onPreset: (preset: WindowPreset) => void;
  onHelp: () => void;
};

const presetButtons: { preset: WindowPreset; shortcut: ShortcutId }[] = [
  { preset: 'lung', shortcut: 'window-lung' },
  { preset: 'mediastinum', shortcut: 'window-mediastinum' },
  { preset: 'bone', shortcut: 'window-bone' },
  { preset: 'file', shortcut: 'window-file' },
];

export function ViewportToolbar({ view, disabled, onReset, onInvert, onPreset, onHelp }: Props) {
  return (
    <div className="toolbar viewport-toolbar" role="toolbar" aria-label="Image tools">
      <button type="button" className="button" onClick={onReset} disabled={disabled} data-testid="reset-button" title={titleOf('reset')}>
        Reset
      </button>
      <button
        type="button"
        className="button"
        onClick={onInvert}
        disabled={disabled}
        aria-pressed={view.invert}
        data-testid="invert-button"
        title={titleOf('invert')}
      >
        Invert
      </button>
      <span className="window-presets" role="group" aria-label="Window presets">
        {presetButtons.map(({ preset, shortcut }) => (
          <button
            key={preset}
            type="button"
            className="button button--compact"
            onClick={() => onPreset(preset)}
            disabled={disabled}
            data-testid={`window-preset-${preset}`}
            title={titleOf(shortcut)}
          >
            {windowPresetLabels[preset]}
          </button>
        ))}
      </span>
      <span className="wl-readout mono" data-testid="wl-readout" aria-live="polite">
        {view.window ? formatWindow(view.window) : 'W/L —'}
      </span>
      <button
        type="button"
        className="button button--compact viewport-toolbar__help"
        onClick={onHelp}
        data-testid="shortcut-help-button"
        title={titleOf('help', 'Keyboard shortcuts and mouse buttons')}
      >
        Keys and mouse ?
      </button>
    </div>
  );
}

// A folder path typed by hand, with the native dialog's "Choose…" beside it where the shell has one (Electron).
import { usePickFolder } from './use-pick-folder';

type Props = { label: string; value: string; onChange: (value: string) => void; canPick: boolean; testId: string; disabled?: boolean };

export function PathField({ label, value, onChange, canPick, testId, disabled }: Props) {
  const { pick, problem } = usePickFolder(onChange);
  return (
    <label className="path-field">
      <span className="path-field__label">{label}</span>
      <input
        type="text"
        className="path-field__input"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        placeholder="/absolute/path"
        spellCheck={false}
        autoComplete="off"
        disabled={disabled}
        data-testid={testId}
      />
      {canPick && (
        <button type="button" className="button" onClick={pick} disabled={disabled} aria-label={`Choose the ${label.toLowerCase()}`} data-testid={`${testId}-pick`}>
          Choose…
        </button>
      )}
      {problem && <span className="settings__problem" role="alert">{problem}</span>}
    </label>
  );
}

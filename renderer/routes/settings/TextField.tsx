// A labelled text input whose error is announced and tied to it (aria-invalid, aria-describedby).
import { useId, type HTMLAttributes } from 'react';

type Props = {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string;
  testId: string;
  inputMode?: HTMLAttributes<HTMLInputElement>['inputMode'];
  disabled?: boolean;
};

export function TextField({ label, value, onChange, error, testId, inputMode, disabled }: Props) {
  const id = useId();
  const errorId = `${id}-error`;
  return (
    <div className="text-field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        value={value}
        onChange={(event) => onChange(event.target.value)}
        inputMode={inputMode}
        spellCheck={false}
        autoComplete="off"
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        data-testid={testId}
      />
      {error && (
        <span id={errorId} className="settings__problem text-field__error" role="alert" data-testid={`${testId}-error`}>
          {error}
        </span>
      )}
    </div>
  );
}

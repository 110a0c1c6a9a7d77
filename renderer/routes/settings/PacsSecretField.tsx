// The DICOMweb password or token. It is handed to the service once and never shown again: the app keeps it
// encrypted by the operating system; where this shell cannot store one (a browser on `pleura serve`), the field
// gives way to where the secret must come from instead, and whether it is there.
import { useId, useState } from 'react';
import type { PacsInfo, PacsSecretInfo } from '../../../main/api/contract';
import { environmentNote, environmentSecretLine, secretWord, storedSecretLine } from './pacs-connection';
import type { PacsAuth } from './pacs-form';

type Props = {
  secret: PacsSecretInfo;
  auth: PacsAuth;
  busy: boolean;
  problem: string | null;
  /** null forgets the stored secret */
  onStore: (secret: string | null) => Promise<PacsInfo | null>;
};

export function PacsSecretField({ secret, auth, busy, problem, onStore }: Props) {
  const id = useId();
  const [value, setValue] = useState('');
  const word = secretWord(auth);

  if (!secret.canStore) {
    return (
      <p className="settings-card__hint pacs-secret__note" data-testid="pacs-secret-note" data-present={secret.present}>
        {environmentNote}. <strong>{environmentSecretLine(secret)}</strong>
      </p>
    );
  }

  const store = async () => {
    if (value !== '' && (await onStore(value))) setValue('');
  };
  return (
    <div className="pacs-secret" data-testid="pacs-secret" data-present={secret.present}>
      <div className="text-field">
        <label htmlFor={id}>{word === 'token' ? 'Bearer token' : 'Password'}</label>
        <input
          id={id}
          type="password"
          value={value}
          onChange={(event) => setValue(event.target.value)}
          onKeyDown={(event) => {
            // Enter stores the secret, not the settings form around it.
            if (event.key === 'Enter') {
              event.preventDefault();
              void store();
            }
          }}
          autoComplete="new-password"
          disabled={busy}
          aria-describedby={`${id}-state`}
          data-testid="pacs-secret-input"
        />
      </div>
      <button type="button" className="button" onClick={store} disabled={busy || value === ''} data-testid="pacs-secret-store">
        Store {word}
      </button>
      {secret.present && secret.source === 'safe-storage' && (
        <button type="button" className="button" onClick={() => void onStore(null)} disabled={busy} data-testid="pacs-secret-forget">
          Forget {word}
        </button>
      )}
      <p id={`${id}-state`} className="muted pacs-secret__state" data-testid="pacs-secret-state">
        {storedSecretLine(secret, auth)}
      </p>
      {problem && (
        <p className="settings__problem" role="alert" data-testid="pacs-secret-problem">
          {problem}
        </p>
      )}
    </div>
  );
}

import { describe, expect, it } from 'vitest';
import { environmentNote, environmentSecretLine, secretWord, storedSecretLine, testOutcomeLine } from '../../../../renderer/routes/settings/pacs-connection';

describe('what the PACS panel says about the secret', () => {
  it('calls a bearer secret a token and anything else a password', () => {
    expect(secretWord('bearer')).toBe('token');
    expect(secretWord('basic')).toBe('password');
  });

  it('says where a stored secret lives, never what it is', () => {
    expect(storedSecretLine({ present: true, source: 'safe-storage', canStore: true }, 'basic')).toBe('A password is stored, encrypted by the operating system.');
    expect(storedSecretLine({ present: true, source: 'environment', canStore: true }, 'bearer')).toBe("The token comes from PLEURA_PACS_PASSWORD in Pleura's environment.");
    expect(storedSecretLine({ present: false, source: null, canStore: true }, 'bearer')).toBe('No token is stored.');
  });

  it('tells a browser on pleura serve where the secret must come from, and whether it is there', () => {
    expect(environmentNote).toBe('Set PLEURA_PACS_PASSWORD in the environment of pleura serve');
    expect(environmentSecretLine({ present: true, source: 'environment', canStore: false })).toBe('PLEURA_PACS_PASSWORD is set.');
    expect(environmentSecretLine({ present: false, source: null, canStore: false })).toBe('PLEURA_PACS_PASSWORD is not set.');
  });
});

describe('a connection test in words', () => {
  it('gives the time of a success, and the reason of a failure', () => {
    expect(testOutcomeLine({ ok: true, ms: 1234, message: '' })).toBe('Connected in 1,234 ms');
    expect(testOutcomeLine({ ok: true, ms: 12, message: 'QIDO-RS answered' })).toBe('Connected in 12 ms — QIDO-RS answered');
    expect(testOutcomeLine({ ok: true, ms: null, message: '' })).toBe('Connected');
    expect(testOutcomeLine({ ok: false, ms: null, message: 'authentication failed: HTTP 401' })).toBe('Failed: authentication failed: HTTP 401');
  });
});

// "Test connection" for one PACS source (QIDO-RS for DICOMweb, C-ECHO for a DIMSE peer) and what it answered, in
// a live region that exists before the answer does, so screen readers announce it.
import { useState } from 'react';
import { useApi } from '../../app/api-context';
import { errorMessage } from '../../app/error-message';
import { testOutcomeLine } from './pacs-connection';

type Props = {
  /** `dicomweb` or a DIMSE peer's name */
  source: string;
  /** what is tested, in words: "the DICOMweb server", "peer MAIN" */
  label: string;
  disabled: boolean;
  testId: string;
};
type Shown = { state: 'idle' } | { state: 'testing' } | { state: 'done'; ok: boolean; line: string };

export function PacsTestButton({ source, label, disabled, testId }: Props) {
  const client = useApi();
  const [shown, setShown] = useState<Shown>({ state: 'idle' });
  const test = async () => {
    setShown({ state: 'testing' });
    try {
      const outcome = await client.invoke('pacs.test', { source });
      setShown({ state: 'done', ok: outcome.ok, line: testOutcomeLine(outcome) });
    } catch (error) {
      setShown({ state: 'done', ok: false, line: `Failed: ${errorMessage(error)}` });
    }
  };
  const ok = shown.state === 'done' ? shown.ok : undefined;
  return (
    <span className="pacs-test">
      <button type="button" className="button" onClick={test} disabled={disabled || shown.state === 'testing'} aria-label={`Test the connection to ${label}`} data-testid={testId}>
        {shown.state === 'testing' ? 'Testing…' : 'Test connection'}
      </button>
      <span role="status" className={ok === false ? 'settings__problem' : 'pacs-test__ok'} data-testid={`${testId}-result`} data-ok={ok}>
        {shown.state === 'done' ? shown.line : ''}
      </span>
    </span>
  );
}

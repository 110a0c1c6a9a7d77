// Settings → PACS: the DICOMweb server (URL, authentication, the secret kept apart from the settings), the DIMSE
// peers, Pleura's own AE title and C-STORE listener, polling for new studies, and whether results go back to the
// PACS. One form saved at once; the service validates it and its message is shown beside the form. Connections are
// tested as saved, so a test always says something about what Pleura will actually use.
import { useId, useState, type FormEvent } from 'react';
import type { PacsInfo, PacsSettings } from '../../../main/api/contract';
import { draftSettings, isUnchanged, pacsDraft, type PacsAuth, type PacsDraft } from './pacs-form';
import { PacsPeerList } from './PacsPeerList';
import { PacsSecretField } from './PacsSecretField';
import { PacsTestButton } from './PacsTestButton';
import { TextField } from './TextField';
import { usePacsSettings } from './use-pacs-settings';
import './pacs-panel.css';

export function PacsPanel() {
  const pacs = usePacsSettings();
  return (
    <section className="settings__panel" data-testid="pacs-settings" aria-labelledby="pacs-settings-title">
      <h1 id="pacs-settings-title">PACS</h1>
      {pacs.info.state === 'ok' ? (
        <PacsForm info={pacs.info.value} busy={pacs.busy} problem={pacs.problem} secretProblem={pacs.secretProblem} onSave={pacs.save} onSetSecret={pacs.setSecret} />
      ) : pacs.info.state === 'error' ? (
        <p className="settings__problem" role="alert" data-testid="pacs-settings-load-problem">Could not read the PACS settings: {pacs.info.message}</p>
      ) : (
        <p className="muted">Loading…</p>
      )}
    </section>
  );
}

type FormProps = {
  info: PacsInfo;
  busy: boolean;
  problem: string | null;
  secretProblem: string | null;
  onSave: (settings: PacsSettings) => Promise<PacsInfo | null>;
  onSetSecret: (secret: string | null) => Promise<PacsInfo | null>;
};

const authChoices: { value: PacsAuth; label: string }[] = [
  { value: 'none', label: 'None' },
  { value: 'basic', label: 'Basic (user name and password)' },
  { value: 'bearer', label: 'Bearer token' },
];

function PacsForm({ info, busy, problem, secretProblem, onSave, onSetSecret }: FormProps) {
  const id = useId();
  const saved = info.settings;
  const [draft, setDraft] = useState<PacsDraft>(() => pacsDraft(saved));
  const [draftProblem, setDraftProblem] = useState<string | null>(null);
  const unchanged = isUnchanged(draft, saved);
  const edit = (patch: Partial<PacsDraft>) => {
    setDraft((current) => ({ ...current, ...patch }));
    setDraftProblem(null);
  };
  const editListener = (patch: Partial<PacsDraft['listener']>) => edit({ listener: { ...draft.listener, ...patch } });
  const editPolling = (patch: Partial<PacsDraft['polling']>) => edit({ polling: { ...draft.polling, ...patch } });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const check = draftSettings(draft);
    if (!check.ok) {
      setDraftProblem(check.problem);
      return;
    }
    const kept = await onSave(check.settings);
    // What the service kept, normalised, becomes the form; a refusal leaves the draft for the user to correct.
    if (kept) setDraft(pacsDraft(kept.settings));
  };

  const shownProblem = draftProblem ?? problem;
  return (
    <form className="settings__cards pacs-form" onSubmit={submit} noValidate aria-label="PACS connections" data-testid="pacs-form">
      <section className="settings-card" aria-labelledby="pacs-dicomweb-title" data-testid="pacs-dicomweb">
        <h2 id="pacs-dicomweb-title">DICOMweb server</h2>
        <p className="settings-card__hint muted">Searched and retrieved from the PACS page (QIDO-RS, WADO-RS); polled for new studies; where results are sent (STOW-RS). Leave the URL empty for none.</p>
        <TextField label="Base URL (e.g. https://pacs.example/dicom-web)" value={draft.url} onChange={(url) => edit({ url })} inputMode="url" testId="pacs-url" disabled={busy} />
        <div className="settings-card__inline">
          <div className="text-field">
            <label htmlFor={`${id}-auth`}>Authentication</label>
            <select id={`${id}-auth`} value={draft.auth} onChange={(event) => edit({ auth: event.target.value as PacsAuth })} disabled={busy} data-testid="pacs-auth">
              {authChoices.map((choice) => <option key={choice.value} value={choice.value}>{choice.label}</option>)}
            </select>
          </div>
          {draft.auth === 'basic' && <TextField label="User name" value={draft.user} onChange={(user) => edit({ user })} testId="pacs-user" disabled={busy} />}
        </div>
        {draft.auth !== 'none' && <PacsSecretField secret={info.secret} auth={draft.auth} busy={busy} problem={secretProblem} onStore={onSetSecret} />}
        <PacsTestButton key={JSON.stringify(saved.dicomweb)} source="dicomweb" label="the DICOMweb server" disabled={!saved.dicomweb || !unchanged} testId="pacs-dicomweb-test" />
      </section>

      <section className="settings-card" aria-labelledby="pacs-dimse-title">
        <h2 id="pacs-dimse-title">DIMSE peers</h2>
        <p className="settings-card__hint muted">PACS reached over classic DICOM: searched with C-FIND, retrieved with C-GET or C-MOVE, tested with C-ECHO.</p>
        <PacsPeerList peers={draft.peers} onChange={(peers) => edit({ peers })} saved={saved.dimsePeers} canTest={unchanged} busy={busy} />
      </section>

      <section className="settings-card" aria-labelledby="pacs-listener-title" data-testid="pacs-listener">
        <h2 id="pacs-listener-title">This workstation on the network</h2>
        <TextField label="Pleura's AE title" value={draft.aeTitle} onChange={(aeTitle) => edit({ aeTitle })} testId="pacs-ae-title" disabled={busy} />
        <label className="settings-card__check">
          <input type="checkbox" checked={draft.listener.enabled} onChange={(event) => editListener({ enabled: event.target.checked })} disabled={busy} data-testid="pacs-listener-enabled" />
          Receive images sent to Pleura (C-STORE), and triage them on arrival
        </label>
        <div className="settings-card__triplet">
          <TextField label="Listener port" value={draft.listener.port} onChange={(port) => editListener({ port })} inputMode="numeric" testId="pacs-listener-port" disabled={busy} />
          <TextField label="Associations at once" value={draft.listener.maxAssociations} onChange={(maxAssociations) => editListener({ maxAssociations })} inputMode="numeric" testId="pacs-listener-max" disabled={busy} />
        </div>
        <TextField
          label="Calling AE titles allowed to send (commas between them; empty: any)"
          value={draft.listener.allowedCallers}
          onChange={(allowedCallers) => editListener({ allowedCallers })}
          testId="pacs-listener-callers"
          disabled={busy}
        />
        <label className="settings-card__check">
          <input type="checkbox" checked={draft.listener.allInterfaces} onChange={(event) => editListener({ allInterfaces: event.target.checked })} disabled={busy} data-testid="pacs-listener-all-interfaces" />
          Listen on every network interface
        </label>
        <p className={draft.listener.allInterfaces ? 'text-warn settings-card__hint' : 'muted settings-card__hint'} data-testid="pacs-listener-exposure">
          {draft.listener.allInterfaces
            ? 'This opens the port to the network: any machine that can reach this one can send it images. List the allowed callers.'
            : 'Loopback only: only programs on this machine can send images.'}
        </p>
      </section>

      <section className="settings-card" aria-labelledby="pacs-arrivals-title">
        <h2 id="pacs-arrivals-title">New studies and results</h2>
        <div className="settings-card__inline">
          <label className="settings-card__check">
            <input type="checkbox" checked={draft.polling.enabled} onChange={(event) => editPolling({ enabled: event.target.checked })} disabled={busy} data-testid="pacs-polling-enabled" />
            Retrieve and triage new studies from the DICOMweb server
          </label>
          <TextField label="Every (minutes)" value={draft.polling.intervalMinutes} onChange={(intervalMinutes) => editPolling({ intervalMinutes })} inputMode="numeric" testId="pacs-polling-minutes" disabled={busy} />
        </div>
        <label className="settings-card__check">
          <input type="checkbox" checked={draft.pushResults} onChange={(event) => edit({ pushResults: event.target.checked })} disabled={busy} data-testid="pacs-push-results" />
          Send results to the PACS (DICOM SEG, Secondary Capture and structured report, after triage and after each review)
        </label>
      </section>

      <div className="toolbar">
        <button type="submit" className="button button--primary" disabled={busy || unchanged} data-testid="pacs-save">
          Save PACS settings
        </button>
        {!unchanged && <span className="muted" data-testid="pacs-unsaved">Unsaved changes: connections are tested as saved.</span>}
      </div>
      {shownProblem && (
        <p className="settings__problem" role="alert" data-testid="pacs-problem">
          {shownProblem}
        </p>
      )}
    </form>
  );
}

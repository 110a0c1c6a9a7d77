// Who reviews (recorded with every review action in the audit log) and whether new files found by a rescan are
// triaged by themselves.
import { useState, type FormEvent } from 'react';
import type { WorkstationSettings } from '../../../main/api/contract';
import { reviewerProblem } from './reviewer-name';
import { TextField } from './TextField';

type Props = { settings: WorkstationSettings; busy: boolean; onSave: (patch: Partial<WorkstationSettings>) => Promise<boolean> };

export function WorkflowPanel({ settings, busy, onSave }: Props) {
  const [reviewer, setReviewer] = useState(settings.reviewer);
  const [error, setError] = useState<string | undefined>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problem = reviewerProblem(reviewer);
    if (problem) setError(problem);
    else await onSave({ reviewer: reviewer.trim() });
  };
  return (
    <section className="settings-card" data-testid="workflow" aria-labelledby="workflow-title">
      <h2 id="workflow-title">Review and triage</h2>
      <form className="settings-card__inline" onSubmit={submit} noValidate>
        <TextField
          label="Reviewer name"
          value={reviewer}
          onChange={(value) => {
            setReviewer(value);
            setError(undefined);
          }}
          error={error}
          testId="reviewer-name"
          disabled={busy}
        />
        <button type="submit" className="button" disabled={busy || reviewer.trim() === settings.reviewer} data-testid="reviewer-save">
          Save name
        </button>
      </form>
      <label className="settings-card__check">
        <input type="checkbox" checked={settings.autoTriage} onChange={(event) => void onSave({ autoTriage: event.target.checked })} disabled={busy} data-testid="settings-auto-triage" />
        Triage new images found by a rescan automatically
      </label>
    </section>
  );
}

// Which images triage assesses: the body parts and view positions accepted (and whether an image that names none is),
// on top of what is fixed — CR, DX or DR radiographs, nothing derived. Everything else is listed as not assessed and
// never sent to a model; a change makes the verdicts stale, as a change of model or rule does.
import { useState, type FormEvent } from 'react';
import type { IntendedUse, WorkstationSettings } from '../../../main/api/contract';
import { formatCodeList, parseCodeList } from './code-list';
import { TextField } from './TextField';

type Props = { settings: WorkstationSettings; busy: boolean; onSave: (patch: Partial<WorkstationSettings>) => Promise<boolean> };

/** One accepted tag as edited: its codes as typed, and whether an image without the tag is accepted. */
type Accepted = { text: string; absent: boolean };

export function IntendedUsePanel({ settings, busy, onSave }: Props) {
  const use = settings.intendedUse;
  const [bodyParts, setBodyParts] = useState<Accepted>({ text: formatCodeList(use.bodyParts), absent: use.absentBodyPart });
  const [views, setViews] = useState<Accepted>({ text: formatCodeList(use.views), absent: use.absentView });
  const [showProblems, setShowProblems] = useState(false);
  const parsedBodyParts = parseCodeList(bodyParts.text);
  const parsedViews = parseCodeList(views.text);

  const next: IntendedUse | null =
    'codes' in parsedBodyParts && 'codes' in parsedViews
      ? { bodyParts: parsedBodyParts.codes, absentBodyPart: bodyParts.absent, views: parsedViews.codes, absentView: views.absent }
      : null;
  const unchanged = next !== null && JSON.stringify(next) === JSON.stringify(use);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (next) await onSave({ intendedUse: next });
    else setShowProblems(true);
  };
  const field = (label: string, absentLabel: string, testId: string, accepted: Accepted, parsed: ReturnType<typeof parseCodeList>, set: (value: Accepted) => void) => (
    <>
      <TextField
        label={label}
        value={accepted.text}
        onChange={(text) => {
          set({ ...accepted, text });
          setShowProblems(false);
        }}
        error={showProblems && 'problem' in parsed ? parsed.problem : undefined}
        testId={testId}
        disabled={busy}
      />
      <label className="settings-card__check">
        <input type="checkbox" checked={accepted.absent} onChange={(event) => set({ ...accepted, absent: event.target.checked })} disabled={busy} data-testid={`${testId}-absent`} />
        {absentLabel}
      </label>
    </>
  );

  return (
    <section className="settings-card" data-testid="intended-use" aria-labelledby="intended-use-title">
      <h2 id="intended-use-title">Intended use</h2>
      <p className="settings-card__hint muted">
        Triage assesses frontal chest radiographs only: CR, DX or DR images that are not derived (no DICOM SEG, structured report, presentation state,
        Secondary Capture of anything but a radiograph, or image made by Pleura or another AI). Others are listed as “Not assessed” with the reason and
        never sent to a model. A change makes the current verdicts stale until triaged again.
      </p>
      <form className="settings-card__intended-use" onSubmit={submit} noValidate>
        {field('Body parts (BodyPartExamined)', 'and images that name no body part', 'intended-body-parts', bodyParts, parsedBodyParts, setBodyParts)}
        {field('Views (ViewPosition)', 'and images that name no view', 'intended-views', views, parsedViews, setViews)}
        <button type="submit" className="button" disabled={busy || unchanged} data-testid="intended-use-save">
          Save intended use
        </button>
      </form>
    </section>
  );
}

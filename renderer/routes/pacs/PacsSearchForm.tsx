// Which PACS source to search and for what: patient (name or ID, `*` wildcards), a date range, CR and DX.
import { useId, useState, type FormEvent } from 'react';
import type { ApiArgs } from '../../../main/api/contract';
import { searchArgs, searchModalities, type SearchDraft, type SourceChoice } from './pacs-search';

type Props = { sources: SourceChoice[]; searching: boolean; onSearch: (args: ApiArgs<'pacs.search'>) => void };

export function PacsSearchForm({ sources, searching, onSearch }: Props) {
  const id = useId();
  const [draft, setDraft] = useState<SearchDraft>({ source: sources[0].value, patient: '', from: '', to: '', modalities: [...searchModalities] });
  const [problem, setProblem] = useState<string | null>(null);
  const edit = (patch: Partial<SearchDraft>) => {
    setDraft((current) => ({ ...current, ...patch }));
    setProblem(null);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const check = searchArgs(draft);
    if (check.ok) onSearch(check.args);
    else setProblem(check.problem);
  };

  return (
    <form className="pacs-search" onSubmit={submit} noValidate aria-label="Search the PACS" data-testid="pacs-search">
      <div className="pacs-field">
        <label htmlFor={`${id}-source`}>Source</label>
        <select id={`${id}-source`} value={draft.source} onChange={(event) => edit({ source: event.target.value })} data-testid="pacs-source">
          {sources.map((choice) => <option key={choice.value} value={choice.value}>{choice.label}</option>)}
        </select>
      </div>
      <label className="pacs-field">
        Patient name or ID
        <input type="search" value={draft.patient} onChange={(event) => edit({ patient: event.target.value })} placeholder="DOE* or 12345" maxLength={64} spellCheck={false} autoComplete="off" data-testid="pacs-patient" />
      </label>
      <label className="pacs-field">
        From
        <input type="date" value={draft.from} onChange={(event) => edit({ from: event.target.value })} data-testid="pacs-from" />
      </label>
      <label className="pacs-field">
        To
        <input type="date" value={draft.to} onChange={(event) => edit({ to: event.target.value })} data-testid="pacs-to" />
      </label>
      <fieldset className="pacs-search__modalities" aria-describedby={`${id}-modalities`}>
        <legend>Modality</legend>
        {searchModalities.map((modality) => (
          <label key={modality} className="pacs-search__modality">
            <input
              type="checkbox"
              checked={draft.modalities.includes(modality)}
              onChange={(event) => edit({ modalities: event.target.checked ? [...draft.modalities, modality] : draft.modalities.filter((m) => m !== modality) })}
              data-testid={`pacs-modality-${modality}`}
            />
            {modality}
          </label>
        ))}
        <span id={`${id}-modalities`} className="visually-hidden">
          Neither ticked: any modality.
        </span>
      </fieldset>
      <button type="submit" className="button button--primary" disabled={searching} data-testid="pacs-search-run">
        {searching ? 'Searching…' : 'Search'}
      </button>
      {problem && (
        <p className="pacs__problem" role="alert" data-testid="pacs-search-problem">
          {problem}
        </p>
      )}
    </form>
  );
}

// The PACS page's search form: which source to ask, and the form as `pacs.search` arguments. Date inputs give
// YYYY-MM-DD; DICOM dates are YYYYMMDD. Checked here so the form can say what is wrong before anything is sent.
import type { ApiArgs, PacsSettings } from '../../../main/api/contract';

export const searchModalities = ['CR', 'DX'] as const;
export type SearchModality = (typeof searchModalities)[number];

export type SearchDraft = {
  /** `dicomweb` or a DIMSE peer's name */
  source: string;
  patient: string;
  /** as a date input gives it: YYYY-MM-DD, or empty */
  from: string;
  to: string;
  modalities: SearchModality[];
};
export type SearchCheck = { ok: true; args: ApiArgs<'pacs.search'> } | { ok: false; problem: string };
export type SourceChoice = { value: string; label: string };

/** "2024-03-05" → "20240305"; empty → null; anything else → undefined (not a date). */
export function dicomDateOf(inputDate: string): string | null | undefined {
  if (inputDate.trim() === '') return null;
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(inputDate.trim());
  return match ? `${match[1]}${match[2]}${match[3]}` : undefined;
}

/**
 * The form as search arguments. An empty patient or date is no condition; no modality ticked means any modality,
 * since a search for nothing would find nothing.
 */
export function searchArgs(draft: SearchDraft): SearchCheck {
  const from = dicomDateOf(draft.from);
  const to = dicomDateOf(draft.to);
  if (from === undefined) return { ok: false, problem: `"${draft.from}" is not a date (YYYY-MM-DD).` };
  if (to === undefined) return { ok: false, problem: `"${draft.to}" is not a date (YYYY-MM-DD).` };
  if (from !== null && to !== null && from > to) return { ok: false, problem: 'The first date is after the last one.' };
  const patient = draft.patient.trim();
  return {
    ok: true,
    args: {
      source: draft.source,
      ...(patient ? { patient } : {}),
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      ...(draft.modalities.length > 0 ? { modalities: searchModalities.filter((modality) => draft.modalities.includes(modality)) } : {}),
    },
  };
}

/** The sources Pleura can search, the DICOMweb server first. */
export function sourceChoices(settings: PacsSettings): SourceChoice[] {
  const dicomweb = settings.dicomweb ? [{ value: 'dicomweb', label: `DICOMweb — ${hostOf(settings.dicomweb.url)}` }] : [];
  return [...dicomweb, ...settings.dimsePeers.map((peer) => ({ value: peer.name, label: `${peer.name} — ${peer.aeTitle} at ${peer.host}:${peer.port}` }))];
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

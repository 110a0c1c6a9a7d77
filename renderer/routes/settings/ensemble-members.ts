// The ensemble setting as the panel edits it: installed models averaged with the current one, each with a weight.
import type { ModelEntry, WorkstationSettings } from '../../../main/api/contract';

export type EnsembleMember = WorkstationSettings['ensemble'][number];

/** Models that can join: installed with a readable card, not the current one (which always takes part, weight 1). */
export function ensembleCandidates(models: readonly ModelEntry[]): ModelEntry[] {
  return models.filter((model) => !model.current && model.card !== null);
}

/** The members with `ref` added (at `weight`), re-weighted, or removed (weight null); the order of the list is kept. */
export function withMember(members: readonly EnsembleMember[], ref: string, weight: number | null): EnsembleMember[] {
  if (weight === null) return members.filter((member) => member.ref !== ref);
  return members.some((member) => member.ref === ref)
    ? members.map((member) => (member.ref === ref ? { ref, weight } : member))
    : [...members, { ref, weight }];
}

/** A typed weight, or why it cannot be one (the contract allows 0 < weight <= 100). */
export function parseWeight(text: string): { weight: number } | { problem: string } {
  const weight = Number(text);
  if (text.trim() === '' || !Number.isFinite(weight)) return { problem: 'Enter a number.' };
  if (weight <= 0 || weight > 100) return { problem: 'A weight lies above 0 and at most 100.' };
  return { weight };
}

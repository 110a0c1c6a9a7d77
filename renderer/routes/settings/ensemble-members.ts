// The ensemble setting as the panel edits it: installed models (or model sets, each one unit) averaged with the
// current one, each with a weight.
import type { ModelEntry, WorkstationSettings } from '../../../main/api/contract';

export type EnsembleMember = WorkstationSettings['ensemble'][number];

type SetEntry = Extract<ModelEntry, { set: object }>;

/** A two-stage set's classifiers decide which images are drawn at all: it runs alone, never averaged. */
export function runsAlone(model: ModelEntry): boolean {
  return model.set?.combination.kind === 'two-stage';
}

/**
 * Units that can join: installed models and average sets with a readable card, not the current one (which always
 * takes part, weight 1); none when the current one runs alone.
 */
export function ensembleCandidates(models: readonly ModelEntry[]): ModelEntry[] {
  if (models.some((model) => model.current && runsAlone(model))) return [];
  return models.filter((model) => !model.current && model.error === null && !runsAlone(model));
}

/** A set as one line: how it combines, and its members by role and weight; null for a single model. */
export function setSummary(model: ModelEntry): string | null {
  if (!model.set) return null;
  const { combination } = model.set;
  const members = (model as SetEntry).members;
  const segmenters = members.filter((m) => m.role === 'segmentation').map((m) => `${m.id}@${m.version} ×${m.weight}`).join(', ');
  if (combination.kind === 'average') return `Average of ${segmenters}`;
  const classifiers = members.filter((m) => m.role === 'classifier').map((m) => `${m.id}@${m.version}`).join(', ');
  const { fit, metaModel, maskThreshold } = combination;
  const auc = fit.outOfFold.auc === null ? '' : `, out-of-fold AUC ${fit.outOfFold.auc.toFixed(2)}`;
  return (
    `Two stages: classifiers ${classifiers} stacked (fitted on ${fit.images} images, ${fit.folds} folds${auc}; positive at ≥ ${metaModel.threshold.toFixed(2)}), ` +
    `then ${segmenters} averaged and drawn at p > ${maskThreshold}`
  );
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

import { describe, expect, it } from 'vitest';
import type { ModelEntry } from '../../../../main/api/contract';
import { ensembleCandidates, parseWeight, runsAlone, setSummary, withMember } from '../../../../renderer/routes/settings/ensemble-members';

describe('the ensemble setting', () => {
  it('offers installed models with a card other than the current one', () => {
    const models = [
      { ref: 'a@1', current: true, card: {}, error: null },
      { ref: 'b@1', current: false, card: {}, error: null },
      { ref: 'c@1', current: false, card: null, error: 'unreadable card' },
    ] as unknown as ModelEntry[];
    expect(ensembleCandidates(models).map((model) => model.ref)).toEqual(['b@1']);
  });

  const member = (id: string, role: string, weight: number | null) => ({ id, version: '1', role, weight, cardSha256: 'a'.repeat(64), card: {} });
  const fit = { images: 120, folds: 5, outOfFold: { auc: 0.914 } };
  const twoStage = {
    ref: 'stack@1', card: null, error: null,
    set: { combination: { kind: 'two-stage', metaModel: { weights: [1, 2], bias: 0, threshold: 0.375 }, maskThreshold: 0.5, fit } },
    members: [member('cls', 'classifier', null), member('seg-a', 'segmentation', 3), member('seg-b', 'segmentation', 1)],
  };
  const average = { ref: 'mean@1', card: null, error: null, set: { combination: { kind: 'average' } }, members: [member('seg-a', 'segmentation', 3)] };

  it('offers an average set as one unit, never a two-stage set, and nothing beside a current two-stage set', () => {
    const models = [
      { ref: 'a@1', current: true, card: {}, error: null },
      { ...average, current: false },
      { ...twoStage, current: false },
    ] as unknown as ModelEntry[];
    expect(ensembleCandidates(models).map((model) => model.ref)).toEqual(['mean@1']);
    const underSet = [{ ...twoStage, current: true }, { ref: 'a@1', current: false, card: {}, error: null }] as unknown as ModelEntry[];
    expect(runsAlone(underSet[0])).toBe(true);
    expect(ensembleCandidates(underSet)).toEqual([]);
  });

  it('describes a set by its combination and members', () => {
    expect(setSummary(twoStage as unknown as ModelEntry)).toBe(
      'Two stages: classifiers cls@1 stacked (fitted on 120 images, 5 folds, out-of-fold AUC 0.91; positive at ≥ 0.38), then seg-a@1 ×3, seg-b@1 ×1 averaged and drawn at p > 0.5',
    );
    expect(setSummary(average as unknown as ModelEntry)).toBe('Average of seg-a@1 ×3');
    expect(setSummary({ ref: 'a@1', current: false, card: {}, error: null } as unknown as ModelEntry)).toBeNull();
  });

  it('adds, re-weights and removes a member, keeping the order', () => {
    const one = withMember([], 'b@1', 1);
    expect(one).toEqual([{ ref: 'b@1', weight: 1 }]);
    const two = withMember(one, 'c@1', 0.5);
    expect(withMember(two, 'b@1', 3)).toEqual([{ ref: 'b@1', weight: 3 }, { ref: 'c@1', weight: 0.5 }]);
    expect(withMember(two, 'b@1', null)).toEqual([{ ref: 'c@1', weight: 0.5 }]);
  });

  it('takes weights above 0 up to 100', () => {
    expect(parseWeight('2.5')).toEqual({ weight: 2.5 });
    expect(parseWeight('100')).toEqual({ weight: 100 });
    for (const text of ['0', '-1', '101', '', 'x']) expect(parseWeight(text)).toHaveProperty('problem');
  });
});

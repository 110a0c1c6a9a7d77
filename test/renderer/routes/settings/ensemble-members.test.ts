import { describe, expect, it } from 'vitest';
import type { ModelEntry } from '../../../../main/api/contract';
import { ensembleCandidates, parseWeight, withMember } from '../../../../renderer/routes/settings/ensemble-members';

describe('the ensemble setting', () => {
  it('offers installed models with a card other than the current one', () => {
    const models = [
      { ref: 'a@1', current: true, card: {}, error: null },
      { ref: 'b@1', current: false, card: {}, error: null },
      { ref: 'c@1', current: false, card: null, error: 'unreadable card' },
    ] as unknown as ModelEntry[];
    expect(ensembleCandidates(models).map((model) => model.ref)).toEqual(['b@1']);
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

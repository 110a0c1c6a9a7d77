import { describe, expect, it } from 'vitest';
import { rulePresets } from '../../../../ml/post/rules';
import { ruleThresholds } from '../../../../renderer/routes/viewer/rule-thresholds';

describe('ruleThresholds', () => {
  it('marks the mask and top thresholds of a triple-threshold rule', () => {
    expect(ruleThresholds(rulePresets['validation-best'])).toEqual([
      { label: 'mask', value: 0.3 },
      { label: 'top', value: 0.75 },
    ]);
  });

  it('marks pixel thresholds only: not the classifier gate’s image probability', () => {
    expect(ruleThresholds(rulePresets['classifier-gate'])).toEqual([
      { label: 'mask', value: 0.4 },
      { label: 'strong', value: 0.8 },
    ]);
  });

  it('marks the seed and mask thresholds of a seeded rule', () => {
    expect(ruleThresholds(rulePresets['fifth-place'])).toEqual([
      { label: 'mask', value: 0.2 },
      { label: 'seed', value: 0.5 },
    ]);
  });
});

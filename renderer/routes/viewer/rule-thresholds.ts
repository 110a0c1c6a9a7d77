// The probability thresholds of a post-processing rule, for marking them on the heatmap's legend: the values a
// pixel's probability is compared with (a classifier gate's image-level probability is not a pixel threshold).
import type { PostProcessRule } from '../../../ml/post/rules';

export type ThresholdMark = { label: string; value: number };

export function ruleThresholds(rule: PostProcessRule): ThresholdMark[] {
  switch (rule.kind) {
    case 'triple-threshold':
      return [
        { label: 'mask', value: rule.bottom },
        { label: 'top', value: rule.top },
      ];
    case 'classifier-gate':
      return [
        { label: 'mask', value: rule.maskThreshold },
        { label: 'strong', value: rule.strongThreshold },
      ];
    case 'seeded-threshold':
      return [
        { label: 'mask', value: rule.maskThreshold },
        { label: 'seed', value: rule.seedThreshold },
      ];
  }
}

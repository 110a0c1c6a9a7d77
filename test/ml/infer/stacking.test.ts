import { describe, expect, it } from 'vitest';
import { fitLogistic, fitStacking, stackedProbability, stackingMetrics, StackingError, youdenThreshold } from '../../../ml/infer/stacking';

describe('the stacking meta-model', () => {
  it('is a logistic regression over the classifiers\' probabilities', () => {
    // z = -0.5 + 2·0.75 - 1·0.5 = 0.5
    expect(stackedProbability({ weights: [2, -1], bias: -0.5 }, [0.75, 0.5])).toBeCloseTo(1 / (1 + Math.exp(-0.5)), 12);
    expect(() => stackedProbability({ weights: [2, -1], bias: 0 }, [0.5])).toThrow('the meta-model takes 2 classifier probabilities, got 1');
  });

  it('fits the maximum-likelihood weights by Newton steps when there is no ridge', () => {
    // One 0/1 feature: the fit reproduces each group's rate, so bias = logit(1/2) = 0 and bias + w = logit(3/4) = ln 3.
    const features = [[0], [0], [1], [1], [1], [1]];
    const labels = [false, true, true, true, true, false];
    const fit = fitLogistic(features, labels, { ridge: 0 });
    expect(fit.bias).toBeCloseTo(0, 9);
    expect(fit.weights[0]).toBeCloseTo(Math.log(3), 9);
    expect(fit.iterations).toBeLessThan(20);
  });

  it('needs a ridge where the classifiers separate the images perfectly, and converges with one', () => {
    const features = [[0.1], [0.2], [0.8], [0.9]];
    const labels = [false, false, true, true];
    expect(() => fitLogistic(features, labels, { ridge: 0 })).toThrow(StackingError);
    const fit = fitLogistic(features, labels, { ridge: 0.01 });
    expect(fit.weights[0]).toBeGreaterThan(5);
    // symmetric data about 0.5: the boundary sits at 0.5
    expect(fit.bias + 0.5 * fit.weights[0]).toBeCloseTo(0, 6);
  });

  it('refuses rows that cannot be stacked', () => {
    expect(() => fitLogistic([], [])).toThrow('stacking needs labelled images; there are none');
    expect(() => fitLogistic([[0.5], [0.5, 0.1]], [true, false])).toThrow('image 1 has 2 classifier probabilities, the first has 1');
    expect(() => fitLogistic([[1.5]], [true])).toThrow('must lie in [0, 1], got 1.5');
    expect(() => fitLogistic([[0.5]], [true, false])).toThrow('1 rows of classifier probabilities for 2 labels');
  });

  it('chooses the threshold with the best Youden J, the lowest of equals', () => {
    // at 0.35: sensitivity 1, specificity 1/2; at 0.8: 1/2 and 1; both J = 0.5
    const scores = [0.1, 0.4, 0.35, 0.8];
    const labels = [false, false, true, true];
    expect(youdenThreshold(scores, labels)).toBe(0.35);
    const metrics = stackingMetrics(scores, labels, scores.map((s) => s >= 0.35));
    expect(metrics).toMatchObject({ auc: 0.75, sensitivity: 1, specificity: 0.5, accuracy: 0.75 });
    expect(metrics.logLoss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.6) + Math.log(0.35) + Math.log(0.8)) / 4, 12);
  });
});

describe('fitting the meta-model with out-of-fold metrics', () => {
  const labels = [true, false, true, false, true, false, true, false, true, false, true, false];
  // classifier 1 ranks the images well, classifier 2 is noise
  const features = labels.map((label, i) => [label ? 0.6 + 0.02 * i : 0.5 - 0.02 * i, ((i * 7) % 11) / 11]);
  const groups = labels.map((_, i) => `patient-${i}`);

  it('judges every image with a meta-model that did not see it, and is deterministic', () => {
    const fit = fitStacking(features, labels, groups, { folds: 3, seed: 1 });
    expect(fit.outOfFold.probabilities).toHaveLength(12);
    expect(fit.outOfFold.metrics.auc).toBe(1);
    expect(fit.metaModel.weights[0]).toBeGreaterThan(Math.abs(fit.metaModel.weights[1]));
    expect(fitStacking(features, labels, groups, { folds: 3, seed: 1 })).toEqual(fit);
    // the full fit's threshold separates the images it was fitted on
    const decisions = features.map((row) => stackedProbability(fit.metaModel, row) >= fit.metaModel.threshold);
    expect(decisions).toEqual(labels);
  });

  it('names a fold whose training part holds one class only', () => {
    const mostlyNegative = labels.map((_, i) => i === 0);
    expect(() => fitStacking(features, mostlyNegative, groups, { folds: 2, seed: 0 })).toThrow(/fold \d of 2 \(its training part\) hold only negative images/);
  });
});

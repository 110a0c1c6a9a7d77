// What a workstation triage runs with when the current model or an ensemble member is a model set: the models it
// loads, their weights, the stacking, the rule, and a configuration key that changes with the set's version.
import { describe, expect, it } from 'vitest';
import { ApiError, type WorkstationSettings } from '../../../main/api/contract';
import { jobConfig, type WeightedModel } from '../../../main/triage/triage-config';
import { describeModel, type ModelCard } from '../../../ml/io/model-card';
import { parseModelSetCard, type ModelSetCard } from '../../../ml/io/model-set';
import { createModel } from '../../../ml/models';

const hash = 'b'.repeat(64);
const file = { path: 'x', sha256: hash };
function card(id: string, size: number, notes = 'trained'): ModelCard {
  const body = describeModel(createModel('unet-light'), {
    id, version: '1', size, notes,
    provenance: { source: 'training', file: null, sha256: null, importedAt: '2026-01-01T00:00:00Z', tool: 'pleura 0.1.0' },
  });
  return { ...body, files: { weights: file, manifest: file, onnx: file } };
}
const model = (id: string, weight: number, size = 256): WeightedModel => ({ ref: `${id}@1`, dir: `/models/${id}@1`, card: card(id, size), weight });
function setUnit(set: ModelSetCard, weight: number, notes = 'trained'): WeightedModel {
  const members = set.members.map((member) => ({ ...member, card: card(member.id, 128, notes) }));
  return { ref: `${set.id}@${set.version}`, dir: `/models/${set.id}@${set.version}`, set, members, weight };
}
const base = { format: 'pleura-model-set', formatVersion: 1, createdAt: '2026-01-01T00:00:00Z', tool: 'pleura 0.1.0', notes: '' } as const;
const member = (id: string, role: 'classifier' | 'segmentation', weight: number | null) => ({ id, version: '1', role, weight, cardSha256: hash });
const averageSet = (version: string) =>
  parseModelSetCard({ ...base, id: 'mean', version, members: [member('s1', 'segmentation', 3), member('s2', 'segmentation', 1)], combination: { kind: 'average', thresholds: { kind: 'seeded-threshold', seedThreshold: 0.5, maskThreshold: 0.5, maxEmptyArea: 0, preset: 'third-place' } } });
const twoStage = parseModelSetCard({
  ...base, id: 'stack', version: '1',
  members: [member('c1', 'classifier', null), member('s1', 'segmentation', 1)],
  combination: {
    kind: 'two-stage', metaModel: { weights: [4], bias: -2, threshold: 0.3 }, maskThreshold: 0.5,
    fit: { data: 'png-pairs x', images: 10, positives: 5, folds: 2, seed: 0, ridge: 0.01, predictions: 'held-out-folder', outOfFold: { auc: 1, sensitivity: 1, specificity: 1, accuracy: 1, logLoss: 0.1 } },
  },
});
const settings: Pick<WorkstationSettings, 'thresholds' | 'tta' | 'intendedUse'> = {
  thresholds: { kind: 'card' },
  tta: 'hflip',
  intendedUse: { bodyParts: ['CHEST'], absentBodyPart: true, views: ['PA'], absentView: true },
};

describe('the job configuration with model sets', () => {
  it('shares an average set\'s weight among its members, takes its rule, and keys verdicts on its id@version', () => {
    const config = jobConfig([model('a', 1), setUnit(averageSet('1'), 1)], settings)!;
    expect(config.dirs).toEqual(['/models/a@1', '/models/mean@1/members/s1@1', '/models/mean@1/members/s2@1']);
    expect(config.weights).toEqual([0.5, 0.375, 0.125]);
    expect(config.stacking).toBeNull();
    expect(config.models).toEqual(['a@1', 'mean@1']);
    // the first unit is a model: its card states the rule
    expect(config.ruleChoice.source).toEqual({ kind: 'card', model: 'a@1' });
    const reversed = jobConfig([setUnit(averageSet('1'), 1), model('a', 1)], settings)!;
    expect(reversed.ruleChoice).toEqual({ rule: { kind: 'seeded-threshold', seedThreshold: 0.5, maskThreshold: 0.5, maxEmptyArea: 0 }, source: { kind: 'card', model: 'mean@1' } });
    expect(JSON.parse(config.configKey)).toMatchObject({ models: ['a@1', 'mean@1'], sizes: [256, [128, 128]], sets: [{ set: 'mean@1', members: ['s1@1', 's2@1'], combination: 'average' }] });
    expect(jobConfig([model('a', 1), setUnit(averageSet('2'), 1)], settings)!.configKey).not.toBe(config.configKey);
  });

  it('keeps the key of a configuration without sets as it was, so no verdict goes stale on upgrade', () => {
    const config = jobConfig([model('a', 1), model('b', 2)], settings)!;
    expect(JSON.parse(config.configKey)).toEqual({ models: ['a@1', 'b@1'], weights: [1, 2], rule: config.rule, tta: 'hflip', sizes: [256, 256], intendedUse: settings.intendedUse });
  });

  it('runs a two-stage set alone, its classifier stacked, its gate as the rule unless the settings name another', () => {
    const config = jobConfig([setUnit(twoStage, 1, 'Demonstration model: phantoms only')], settings)!;
    expect(config.weights).toEqual([0, 1]);
    expect(config.stacking).toEqual({ classifiers: [0], meta: { weights: [4], bias: -2 } });
    expect(config.rule).toEqual({ kind: 'classifier-gate', minNonEmptyProbability: 0.3, strongThreshold: 0.5, minStrongArea: 0, maskThreshold: 0.5 });
    expect(config.demonstration).toBe(true);
    expect(jobConfig([setUnit(twoStage, 1)], { ...settings, thresholds: { kind: 'preset', name: 'third-place' } })!.rule.kind).toBe('seeded-threshold');
    expect(() => jobConfig([setUnit(twoStage, 1), model('a', 1)], settings)).toThrow(ApiError);
    expect(() => jobConfig([setUnit(twoStage, 1), model('a', 1)], settings)).toThrow('stack@1 is a two-stage model set');
  });
});

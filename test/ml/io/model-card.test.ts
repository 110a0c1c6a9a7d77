import { describe, expect, it } from 'vitest';
import {
  cardRule, checkCardMatches, defaultThresholds, describeModel, modelRef, parseModelCard, parseModelRef, type ModelCard,
} from '../../../ml/io/model-card';
import { ModelFolderError } from '../../../ml/io/model-folder-error';
import { createModel } from '../../../ml/models';
import { applyRule, PostProcessRule, rulePresets } from '../../../ml/post';
import { cardProblem } from '../../fixtures/card-problem';

const definition = createModel('albunet', { nf: 4 });
const hash = (digit: string) => digit.repeat(64);

function validCard(): ModelCard {
  const body = describeModel(definition, {
    id: 'albunet',
    version: '20261128-120000',
    createdAt: '2026-11-28T12:00:00.000Z',
    notes: 'demonstration model, not for clinical use',
    provenance: { source: 'pytorch', file: 'albunet_fold0.pth', sha256: hash('a'), importedAt: '2026-11-28T12:00:00.000Z', tool: 'pleura 0.1.0' },
  });
  return {
    ...body,
    files: {
      weights: { path: 'weights.bin', sha256: hash('b') },
      manifest: { path: 'weights.json', sha256: hash('c') },
      onnx: { path: 'model.onnx', sha256: hash('d') },
    },
  };
}

const problemWith = (edit: (card: Record<string, any>) => void) => cardProblem(validCard(), edit);

describe('model card', () => {
  it('reads the architecture, input and outputs off the definition and survives JSON', () => {
    const card = validCard();
    expect(card.architecture).toEqual({ name: 'albunet', options: { nf: 4 }, encoder: 'resnet34', parameters: 22_691_581 });
    expect(card.input).toEqual({ size: 512, channels: 3, normalisation: 'none', multiple: 64 });
    expect(card.outputs).toEqual(['logits']);
    expect(parseModelCard(JSON.parse(JSON.stringify(card)))).toEqual(card);
  });

  it("defaults to science.md's validation-best triple threshold (0.75, 2000, 0.3) and regions of 100 pixels", () => {
    expect(validCard().thresholds).toEqual({ kind: 'triple-threshold', preset: 'validation-best', top: 0.75, minArea: 2000, bottom: 0.3, minRegionArea: 100 });
    expect(defaultThresholds()).toEqual({ ...rulePresets['validation-best'], minRegionArea: 100, preset: 'validation-best' });
  });

  it('hands ml/post a rule it accepts, without the preset name', () => {
    const rule = cardRule(validCard());
    expect(PostProcessRule.parse(rule)).toEqual(rule);
    expect(rule).not.toHaveProperty('preset');
    const map = { rows: 4, columns: 4, data: new Float32Array(16).fill(0.9) };
    expect(Array.from(applyRule(map, rule).data)).toEqual(new Array(16).fill(1));
  });

  it('accepts the other ml/post rules and free-form metrics', () => {
    const card = { ...validCard(), thresholds: { ...rulePresets['classifier-gate'], preset: 'classifier-gate' }, metrics: { dice: 0.85, search: { top: 0.75, grid: [1, 2] } } };
    expect(parseModelCard(card)).toEqual(card);
  });

  it('names the field of every problem', () => {
    expect(problemWith((c) => delete c.architecture.parameters)).toMatch(/^x\/card\.json: not a valid model card: architecture\.parameters: /);
    expect(problemWith((c) => (c.files.weights.sha256 = 'abc'))).toMatch(/files\.weights\.sha256: expected a sha256/);
    expect(problemWith((c) => (c.architecture.name = 'vgg'))).toMatch(/architecture\.name: .*albunet/);
    expect(problemWith((c) => (c.input.size = 500))).toMatch(/input\.size: the input size must be a multiple/);
    expect(problemWith((c) => (c.provenance.sha256 = null))).toMatch(/provenance\.sha256: a PyTorch import records its source file/);
    expect(problemWith((c) => (c.createdAt = 'yesterday'))).toMatch(/createdAt: /);
    expect(problemWith((c) => (c.formatVersion = 2))).toMatch(/formatVersion: /);
    expect(problemWith((c) => (c.thresholds.top = 1.5))).toMatch(/thresholds\.top: /);
    expect(problemWith((c) => (c.files.onnx.path = '../model.onnx'))).toMatch(/files\.onnx\.path: expected a plain file name/);
    expect(problemWith((c) => (c.id = 'a@b'))).toMatch(/id: expected 1 to 64 letters/);
    expect(problemWith((c) => (c.extra = 1))).toMatch(/extra/);
  });

  it('refuses a card whose derived facts disagree with the architecture it names', () => {
    const card = validCard();
    expect(() => checkCardMatches(card, definition)).not.toThrow();
    expect(() => checkCardMatches({ ...card, outputs: ['logits', 'cls_logit'] }, definition)).toThrow(/outputs is logits,cls_logit, the architecture has logits/);
    expect(() => checkCardMatches(card, createModel('albunet', { nf: 8 }))).toThrow(/architecture\.parameters is 22691581, the architecture has \d+/);
  });

  it('names installed models ID@VERSION', () => {
    expect(modelRef(validCard())).toBe('albunet@20261128-120000');
    expect(parseModelRef('albunet@v1.2')).toEqual({ id: 'albunet', version: 'v1.2' });
    for (const bad of ['albunet', 'a@b@c', '../x@1', 'a@', '@1', 'a b@1']) {
      expect(() => parseModelRef(bad)).toThrow(/is not a model reference; expected ID@VERSION/);
    }
  });
});

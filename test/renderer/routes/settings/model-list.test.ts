// The installed models as Settings lists them: a model set is one entry with its combination and members (never a
// problem line), can be made current like a model, and a broken folder still shows why and cannot be.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { ModelEntry } from '../../../../main/api/contract';
import { ModelList } from '../../../../renderer/routes/settings/ModelList';
import type { ModelCard } from '../../../../renderer/routes/settings/model-card-facts';

const sha = 'a'.repeat(64);
type Arch = ModelCard['architecture']['name'];
const card = (id: string, arch: Arch, outputs: string[]): ModelCard => ({
  format: 'pleura-model',
  formatVersion: 1,
  id,
  version: '1',
  createdAt: '2026-01-01T12:00:00Z',
  architecture: { name: arch, options: {}, encoder: 'light', parameters: 1000 },
  input: { size: 256, channels: 3, normalisation: 'none', multiple: 32 },
  outputs,
  thresholds: { kind: 'triple-threshold', top: 0.6, minArea: 1000, bottom: 0.4, minRegionArea: null, preset: null },
  provenance: { source: 'training', file: null, sha256: null, importedAt: '2026-01-01T11:00:00Z', tool: 'pleura 0.1.0' },
  metrics: {},
  notes: '',
  files: { weights: { path: 'weights.bin', sha256: sha }, manifest: { path: 'weights.json', sha256: sha }, onnx: { path: 'model.onnx', sha256: sha } },
});
const member = (id: string, role: 'segmentation' | 'classifier', weight: number | null, arch: Arch) => ({
  id, version: '1', role, weight, cardSha256: sha, card: card(id, arch, role === 'classifier' ? ['mask', 'cls_logit'] : ['mask']),
});
const metrics = { auc: 0.9, sensitivity: 0.8, specificity: 0.85, accuracy: 0.83, logLoss: 0.4 };
const fit = { data: 'siim', images: 120, positives: 30, folds: 5, seed: 1, ridge: 1, predictions: 'held-out-folder' as const, outOfFold: metrics };
const setCard = (id: string, combination: unknown, members: ReturnType<typeof member>[], notes: string) => ({
  format: 'pleura-model-set', formatVersion: 1, id, version: '1', createdAt: '2026-02-01T09:00:00Z', tool: 'pleura 0.1.0', notes,
  members: members.map(({ card: _card, ...m }) => m), combination,
});

const twoStageMembers = [member('cls', 'classifier', null, 'unet34cls'), member('seg', 'segmentation', 2, 'unet-light')];
const twoStage = {
  ref: 'stack@1', current: true, card: null, error: null, members: twoStageMembers,
  set: setCard('stack', { kind: 'two-stage', metaModel: { weights: [1], bias: 0, threshold: 0.5 }, maskThreshold: 0.5, fit }, twoStageMembers, 'Stacked; not for clinical use.'),
} as unknown as ModelEntry;
const averageMembers = [member('seg-a', 'segmentation', 3, 'unet-light'), member('seg-b', 'segmentation', 1, 'unet-light')];
const average = {
  ref: 'mean@1', current: false, card: null, error: null, members: averageMembers,
  set: setCard('mean', { kind: 'average', thresholds: card('x', 'unet-light', []).thresholds }, averageMembers, 'five folds averaged'),
} as unknown as ModelEntry;
const single: ModelEntry = { ref: 'seg@1', current: false, card: card('seg', 'unet-light', ['mask']), error: null };
const broken: ModelEntry = { ref: 'bad@1', current: false, card: null, error: 'bad@1/set.json is not valid JSON' };

const render = (models: ModelEntry[], busy = false) => renderToStaticMarkup(createElement(ModelList, { models, busy, onRestore: () => {} }));
/** The markup of the entry for `ref`. */
const entry = (html: string, ref: string) => html.split('data-testid="model-entry"').find((li) => li.includes(`data-ref="${ref}"`)) ?? '';

describe('the model list', () => {
  const html = render([twoStage, average, single, broken]);

  it('shows a set as one unit: its combination, its members, never a problem line', () => {
    const stack = entry(html, 'stack@1');
    expect(stack).toContain('data-testid="model-set"');
    expect(stack).not.toContain('settings__problem');
    expect(stack).toContain('Two stages: classifiers cls@1 stacked (fitted on 120 images, 5 folds, out-of-fold AUC 0.90; positive at ≥ 0.50), then seg@1 ×2 averaged and drawn at p &gt; 0.5');
    expect(stack).toContain('cls@1: unet34cls at 256 × 256, classifier');
    expect(stack).toContain('seg@1: unet-light at 256 × 256, segmentation ×2');
    expect(stack).toContain('<strong>Not for clinical use.</strong> Stacked; not for clinical use.');
    expect(stack).toContain('data-testid="model-current"');
    expect(stack).toContain('never fine-tuned or compared');
    expect(entry(html, 'mean@1')).toContain('Average of seg-a@1 ×3, seg-b@1 ×1');
    expect(entry(html, 'mean@1')).toContain('five folds averaged');
  });

  it('offers to make a set current, like a model, but not while busy', () => {
    const restore = /<button[^>]*data-testid="model-restore"[^>]*>/;
    expect(entry(html, 'mean@1').match(restore)?.[0]).not.toContain('disabled');
    expect(entry(html, 'mean@1')).toContain('aria-label="Make mean@1 current again"');
    expect(entry(html, 'seg@1').match(restore)?.[0]).not.toContain('disabled');
    expect(entry(render([average], true), 'mean@1').match(restore)?.[0]).toContain('disabled');
  });

  it('shows a single model with its card facts and no set summary', () => {
    const seg = entry(html, 'seg@1');
    expect(seg).toContain('data-testid="model-card"');
    expect(seg).not.toContain('data-testid="model-set"');
  });

  it('still shows why a broken folder cannot be read, and cannot make it current', () => {
    const bad = entry(html, 'bad@1');
    expect(bad).toContain('<p class="settings__problem">bad@1/set.json is not valid JSON</p>');
    expect(bad.match(/<button[^>]*data-testid="model-restore"[^>]*>/)?.[0]).toContain('disabled');
  });
});

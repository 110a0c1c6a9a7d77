import { describe, expect, it } from 'vitest';
import { rulePresets } from '../../../../ml/post/rules';
import { cardFacts, cardRule, describeRule, notForClinicalUse, type ModelCard } from '../../../../renderer/routes/settings/model-card-facts';
import { formatDateTime } from '../../../../renderer/app/format';

const sha = 'a'.repeat(64);
const trainedCard: ModelCard = {
  format: 'pleura-model',
  formatVersion: 1,
  id: 'pleura-demo',
  version: '20260101-1200',
  createdAt: '2026-01-01T12:00:30+01:00',
  architecture: { name: 'unet-light', options: { base: 8 }, encoder: 'light', parameters: 123456 },
  input: { size: 256, channels: 3, normalisation: 'none', multiple: 32 },
  outputs: ['mask'],
  thresholds: { kind: 'triple-threshold', top: 0.6, minArea: 1000, bottom: 0.4, minRegionArea: null, preset: null },
  provenance: { source: 'training', file: null, sha256: null, importedAt: '2026-01-01T11:00:00Z', tool: 'pleura 0.1.0' },
  metrics: {
    valDice: 0.81234,
    bestEpoch: { stage: 'fine-tune', epoch: 3 },
    data: { source: 'dicom-folder /data (train-rle.csv)', images: 1200, positives: 300, patients: 1100, skipped: 0, missing: [], folds: 5, fold: 0, train: 960, validation: 240 },
    freshPhantomScore: { meanDice: 0.7, images: 40, positives: 20, seed: 9 },
    plan: 'quick',
    epochs: 4,
    durationSeconds: 12.5,
    history: [{ at: 1, loss: 0.3 }],
    size: 256,
  },
  notes: 'Demonstration model trained on synthetic phantoms; not for clinical use.',
  files: { weights: { path: 'weights.bin', sha256: sha }, manifest: { path: 'weights.json', sha256: sha }, onnx: { path: 'model.onnx', sha256: sha } },
};

const fact = (card: ModelCard, label: string) => cardFacts(card).find((f) => f.label === label)?.value;

describe('the model card as the settings panel shows it', () => {
  it('names the architecture, input size and normalisation', () => {
    expect(fact(trainedCard, 'Architecture')).toBe('unet-light (light, 123,456 parameters)');
    expect(fact(trainedCard, 'Input')).toBe('256 × 256, 3 channels');
    expect(fact(trainedCard, 'Normalisation')).toBe('none (÷ 255 only)');
    expect(fact({ ...trainedCard, input: { ...trainedCard.input, normalisation: 'imagenet' } }, 'Normalisation')).toMatch(/ImageNet/);
  });

  it('states the rule and where it came from: the threshold search or a preset', () => {
    expect(fact(trainedCard, 'Thresholds')).toBe('triple threshold: top 0.6, min area 1000 px at 1024 × 1024, bottom 0.4 (chosen by the threshold search)');
    const preset = { ...trainedCard, thresholds: { ...rulePresets['validation-best'], minRegionArea: 100, preset: 'validation-best' } };
    expect(fact(preset, 'Thresholds')).toBe(
      'triple threshold: top 0.75, min area 2000 px at 1024 × 1024, bottom 0.3, regions under 100 px dropped (preset validation-best)',
    );
  });

  it('summarises the training data and the validation scores', () => {
    expect(fact(trainedCard, 'Training data')).toBe('dicom-folder /data (train-rle.csv); 1,200 images, 300 with pneumothorax; 960 training / 240 validation; fold 1 of 5');
    expect(fact(trainedCard, 'Validation')).toBe('mean Dice 0.8123 on the validation images (best at fine-tune epoch 3); mean Dice 0.7000 on 40 unseen phantoms');
  });

  it('keeps the remaining scalar metrics on one line and leaves nested ones in card.json', () => {
    expect(fact(trainedCard, 'Other metrics')).toBe('plan quick · epochs 4 · durationSeconds 12.5');
  });

  it('shows a dash for whatever an imported card lacks, and its source file and seed', () => {
    const imported: ModelCard = {
      ...trainedCard,
      metrics: undefined,
      provenance: { source: 'pytorch', file: 'albunet.pth', sha256: sha, seed: 3, importedAt: '2025-06-01T08:05:00Z', tool: 'pleura 0.1.0' },
    };
    expect(fact(imported, 'Training data')).toBe('—');
    expect(fact(imported, 'Validation')).toBe('—');
    expect(fact(imported, 'Other metrics')).toBe('—');
    expect(fact(imported, 'Provenance')).toBe(`pytorch from albunet.pth (seed 3), ${formatDateTime('2025-06-01T08:05:00Z')} by pleura 0.1.0`);
    // Metrics of an unexpected shape are not guessed at.
    expect(fact({ ...trainedCard, metrics: { data: 'folder', valDice: 'high' } }, 'Validation')).toBe('—');
    expect(fact({ ...trainedCard, metrics: { data: 'folder' } }, 'Training data')).toBe('—');
  });

  it('dates the card in the one date-time format of the workstation', () => {
    expect(fact(trainedCard, 'Created')).toBe(formatDateTime(new Date(Date.UTC(2026, 0, 1, 11, 0, 30))));
    expect(fact(trainedCard, 'Created')).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  });

  it('recognises the "not for clinical use" note', () => {
    expect(notForClinicalUse(trainedCard.notes)).toBe(true);
    expect(notForClinicalUse('Trained … Not for clinical use without local validation.')).toBe(true);
    expect(notForClinicalUse('Validated on site, 2026.')).toBe(false);
  });

  it('hands back the card rule without its preset name, and describes every rule kind', () => {
    expect(cardRule(trainedCard)).toEqual({ kind: 'triple-threshold', top: 0.6, minArea: 1000, bottom: 0.4, minRegionArea: null });
    expect(describeRule(rulePresets['classifier-gate'])).toBe(
      'classifier gate: P(non-empty) ≥ 0.4, at least 800 px at 1024 × 1024 above 0.8, mask above 0.4',
    );
    expect(describeRule(rulePresets['fifth-place'])).toBe('seeded threshold: a seed above 0.5, mask above 0.2, empty when ≤ 64 px at 1024 × 1024');
  });
});

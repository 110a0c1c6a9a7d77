// Settings' INT8 side: each installed model's precision, "Make an INT8 version" on fp32 models only (waiting while
// another model's job runs), the job's progress with Cancel and how it ended, the request the form makes (valid by the
// API's schema), and an INT8 card's calibration and agreement figures.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { QuantizeRequest, type ApiClient, type ModelEntry, type QuantizeJob } from '../../../../main/api/contract';
import { ApiProvider } from '../../../../renderer/app/api-context';
import { ModelList } from '../../../../renderer/routes/settings/ModelList';
import { QuantizeForm } from '../../../../renderer/routes/settings/QuantizeAction';
import { agreementFact, calibrationFact, cardFacts, precisionFact, type ModelCard } from '../../../../renderer/routes/settings/model-card-facts';
import { initialQuantizeValues, quantizeJobText, quantizeRequest } from '../../../../renderer/routes/settings/quantize-job-text';
import type { QuantizeControls } from '../../../../renderer/routes/settings/use-quantization';

const sha = 'a'.repeat(64);
const fp32Card: ModelCard = {
  format: 'pleura-model',
  formatVersion: 1,
  id: 'seg',
  version: '1',
  createdAt: '2026-01-01T12:00:00Z',
  architecture: { name: 'unet-light', options: {}, encoder: 'plain', parameters: 1000 },
  input: { size: 256, channels: 3, normalisation: 'none', multiple: 32 },
  outputs: ['logits'],
  thresholds: { kind: 'triple-threshold', top: 0.6, minArea: 1000, bottom: 0.4, minRegionArea: null, preset: null },
  provenance: { source: 'training', file: null, sha256: null, importedAt: '2026-01-01T11:00:00Z', tool: 'pleura 0.1.0' },
  metrics: {},
  notes: '',
  files: { weights: { path: 'weights.bin', sha256: sha }, manifest: { path: 'weights.json', sha256: sha }, onnx: { path: 'model.onnx', sha256: sha } },
};
const agreement = { images: 40, source: 'held-out folder fresh', meanDice: 0.99304, minDice: 0.94098, flagsAgree: 40, flagsTotal: 40, maxProbabilityDifference: 0.51143 };
const int8Card: ModelCard = {
  ...fp32Card,
  id: 'seg-int8',
  precision: 'int8',
  quantization: {
    source: 'seg@1',
    method: 'percentile',
    percentile: 99.99,
    quantizedConvs: 21,
    fp32Layers: [{ node: 'encoder.blocks.0.conv1.0', why: 'reads the raw image' }, { node: 'segmentation_head.0', why: 'writes the logits' }],
    activations: 'uint8 per tensor',
    weights: 'int8 per channel (symmetric)',
    calibration: { count: 24, source: 'calibration' },
    agreement,
  },
};
const fp32: ModelEntry = { ref: 'seg@1', current: true, card: fp32Card, error: null };
const other: ModelEntry = { ref: 'other@2', current: false, card: { ...fp32Card, id: 'other', version: '2' }, error: null };
const int8: ModelEntry = { ref: 'seg-int8@1', current: false, card: int8Card, error: null };
const broken: ModelEntry = { ref: 'bad@1', current: false, card: null, error: 'bad@1/card.json is missing' };

const job = (change: Partial<QuantizeJob>): QuantizeJob => ({
  jobId: 'j1',
  request: { ref: 'seg@1', calibration: { kind: 'dicom-folder', folder: '/data/calibration' } },
  state: 'running',
  phase: 'calibration',
  done: 12,
  total: 32,
  startedAt: '2026-01-01T12:00:00Z',
  endedAt: null,
  installed: null,
  agreement: null,
  skipped: 0,
  error: null,
  ...change,
});
const controls = (change: Partial<QuantizeControls> = {}): QuantizeControls => ({ job: null, busy: false, problem: null, canPickFolder: false, start: () => {}, cancel: () => {}, ...change });
const render = (quantization?: QuantizeControls) => renderToStaticMarkup(createElement(ModelList, { models: [fp32, other, int8, broken], busy: false, onRestore: () => {}, quantization }));
const entry = (html: string, ref: string) => html.split('data-testid="model-entry"').find((li) => li.includes(`data-ref="${ref}"`)) ?? '';
const button = (html: string, testId: string) => html.match(new RegExp(`<button[^>]*data-testid="${testId}"[^>]*>`))?.[0];

describe('the model list with INT8 versions', () => {
  it('shows every model its precision and offers an INT8 version of fp32 models only', () => {
    const html = render(controls());
    expect(entry(html, 'seg@1')).toContain('data-testid="model-precision">fp32</span>');
    expect(entry(html, 'seg-int8@1')).toContain('data-testid="model-precision">INT8</span>');
    expect(button(entry(html, 'seg@1'), 'quantize-open')).not.toContain('disabled');
    expect(entry(html, 'seg-int8@1')).not.toContain('quantize-action');
    expect(entry(html, 'bad@1')).not.toContain('quantize-action');
    expect(render()).not.toContain('quantize-action');
  });

  it('shows the job on its model with progress and Cancel, and makes the others wait', () => {
    const html = render(controls({ job: job({}) }));
    const seg = entry(html, 'seg@1');
    expect(seg).toContain('<progress max="32" value="12"');
    expect(seg).toContain('Calibrating: 12 of 32 images');
    expect(button(seg, 'quantize-cancel')).not.toContain('disabled');
    expect(seg).not.toContain('quantize-open');
    expect(button(entry(html, 'other@2'), 'quantize-open')).toContain('disabled');
    expect(entry(html, 'other@2')).not.toContain('quantize-job');
  });

  it('says how a job ended, and offers another once it has', () => {
    const finished = render(controls({ job: job({ state: 'finished', phase: 'writing', installed: 'seg-int8@1', agreement }) }));
    expect(entry(finished, 'seg@1')).toContain('Installed seg-int8@1: flags agree on 40 of 40 held-out images, mean mask Dice 0.9930. Make it current with Restore.');
    expect(button(entry(finished, 'seg@1'), 'quantize-open')).not.toContain('disabled');
    const failed = render(controls({ job: job({ state: 'failed', error: '/data/calibration holds no usable image' }) }));
    expect(entry(failed, 'seg@1')).toContain('role="alert" data-testid="quantize-job-text">Failed: /data/calibration holds no usable image</span>');
  });
});

describe('the INT8 form', () => {
  const client = { invoke: () => Promise.reject(new Error('not called')), on: () => () => {} } as unknown as ApiClient;
  const children = createElement(QuantizeForm, { modelRef: 'seg@1', canPickFolder: true, disabled: false, onStart: () => {}, onClose: () => {} });
  const form = renderToStaticMarkup(createElement(ApiProvider, { client, children }));

  it('asks for a folder (with the native dialog where there is one) or the studies, and the method', () => {
    expect(form).toContain('data-testid="quantize-folder"');
    expect(form).toContain('data-testid="quantize-folder-pick"');
    expect(form).toContain('<option value="default" selected="">Default (the measured best)</option>');
    expect(button(form, 'quantize-start')).toContain('disabled');
  });

  it('makes a request the API accepts, and none while the folder is blank', () => {
    expect(quantizeRequest('seg@1', initialQuantizeValues)).toBeNull();
    const folder = quantizeRequest('seg@1', { ...initialQuantizeValues, folder: ' /data/calibration ' });
    expect(folder).toEqual({ ref: 'seg@1', calibration: { kind: 'dicom-folder', folder: '/data/calibration' } });
    const studies = quantizeRequest('seg@1', { source: 'studies', folder: '', method: 'entropy' });
    expect(studies).toEqual({ ref: 'seg@1', calibration: { kind: 'local-studies' }, method: 'entropy' });
    for (const request of [folder, studies]) expect(QuantizeRequest.parse(request)).toEqual(request);
  });

  it('words every phase and end', () => {
    expect(quantizeJobText(job({ phase: 'reading', done: 0, total: 0 }))).toBe('Reading the calibration images…');
    expect(quantizeJobText(job({ phase: 'agreement', done: 3, total: 8 }))).toBe('Comparing with the fp32 model: 3 of 8 held-out images');
    expect(quantizeJobText(job({ phase: 'writing' }))).toBe('Writing and installing the INT8 version…');
    expect(quantizeJobText(job({ state: 'cancelling' }))).toBe('Cancelling…');
    expect(quantizeJobText(job({ state: 'cancelled' }))).toBe('Cancelled: nothing was installed.');
  });
});

describe("an INT8 card's facts", () => {
  it('name its source, what stayed fp32, the calibration set and the agreement figures', () => {
    expect(precisionFact(fp32Card)).toBe('fp32');
    expect(precisionFact(int8Card)).toBe(
      'INT8 version of seg@1: 21 convolutions with weights int8 per channel (symmetric), activations uint8 per tensor; kept in fp32: encoder.blocks.0.conv1.0 (reads the raw image), segmentation_head.0 (writes the logits)',
    );
    expect(calibrationFact(int8Card.quantization!)).toBe('24 images from calibration, percentile (99.99) ranges');
    expect(agreementFact(int8Card.quantization!)).toBe(
      'on 40 held-out images (held-out folder fresh): flags agree on 40 of 40, mean mask Dice 0.9930 (lowest 0.9410), largest probability difference 0.5114',
    );
    expect(cardFacts(int8Card).map((f) => f.label).slice(0, 5)).toEqual(['Architecture', 'Input', 'Precision', 'Calibration', 'Agreement with fp32']);
    expect(cardFacts(fp32Card).map((f) => f.label)).not.toContain('Calibration');
  });
});

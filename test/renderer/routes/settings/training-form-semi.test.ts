// The training form's "unlabelled studies" choice: the request carries only the choice and the method (the main
// side picks the studies without a reviewed mask), passes the API's schema, and the form shows the method only
// once the choice is made.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import { TrainingRequest, type AppInfo } from '../../../../main/api/contract';
import { TrainingForm } from '../../../../renderer/routes/settings/TrainingForm';
import { initialFormValues, keepFormValues, trainingRequest } from '../../../../renderer/routes/settings/training-form-values';

const info: AppInfo = { name: 'Pleura', version: '0', shell: 'browser', dataDir: '/data', roots: [], canPickFolder: false, demo: null, indexRecovery: null };

afterEach(() => keepFormValues(initialFormValues));

describe('the unlabelled studies in the training request', () => {
  it('are off by default: the request has no semi-supervised part', () => {
    expect(initialFormValues.unlabelledStudies).toBe(false);
    expect(trainingRequest(initialFormValues, true)).not.toHaveProperty('semi');
  });

  it('send the choice and the method, and nothing that names a study', () => {
    for (const method of ['pseudo-labels', 'mean-teacher'] as const) {
      const request = trainingRequest({ ...initialFormValues, unlabelledStudies: true, semiMethod: method }, true)!;
      expect(request.semi).toEqual({ method, unlabelled: { kind: 'local-studies' } });
      expect(TrainingRequest.parse(request)).toEqual(request);
    }
  });

  it('are refused by the API when the method is unknown', () => {
    const request = { ...trainingRequest(initialFormValues, true)!, semi: { method: 'co-training', unlabelled: { kind: 'local-studies' } } };
    expect(TrainingRequest.safeParse(request).success).toBe(false);
  });
});

describe('the training form', () => {
  const render = () => renderToStaticMarkup(createElement(TrainingForm, { info, currentModel: null, disabled: false, onStart: () => {} }));

  it('offers the unlabelled studies, unticked, with no method shown', () => {
    const html = render();
    expect(html).toMatch(/<input type="checkbox" data-testid="training-unlabelled"\/>/);
    expect(html).toContain("studies that have no reviewed mask");
    expect(html).not.toContain('training-semi-method');
  });

  it('shows the two methods once the choice is made, with the kept one selected', () => {
    keepFormValues({ ...initialFormValues, unlabelledStudies: true, semiMethod: 'mean-teacher' });
    const html = render();
    expect(html).toMatch(/<input type="checkbox" data-testid="training-unlabelled" checked=""\/>/);
    expect(html).toMatch(/<option value="pseudo-labels">Pseudo-labels \(3rd place\)<\/option>/);
    expect(html).toMatch(/<option value="mean-teacher" selected="">Mean teacher \(5th place\)<\/option>/);
  });
});

describe('the training form with a model set current', () => {
  it('says a set is not fine-tuned as one model, rather than that no model is current', () => {
    const html = renderToStaticMarkup(createElement(TrainingForm, { info, currentModel: null, currentSet: 'mean@1', disabled: false, onStart: () => {} }));
    expect(html).toContain('The current model is the model set mean@1; a set is not fine-tuned as one model');
    expect(html).not.toContain('No model is current');
  });
});

// The training form's request, and its values kept for the window across pages.
import { describe, expect, it } from 'vitest';
import { initialFormValues, keepFormValues, keptFormValues, startOf, trainingRequest } from '../../../../renderer/routes/settings/training-form-values';

describe('trainingRequest', () => {
  it('starts from the current model by default, sending no size (the model keeps its own)', () => {
    expect(initialFormValues.start).toBe('current-model');
    expect(trainingRequest(initialFormValues, true)).toEqual({ data: { kind: 'reviewed' }, plan: 'quick', start: 'current-model', epochs: 2 });
  });

  it('sends the size chosen from scratch, and only scratch when no model is current', () => {
    expect(trainingRequest({ ...initialFormValues, start: 'scratch', size: 512 }, true)).toMatchObject({ start: 'scratch', size: 512 });
    expect(startOf(initialFormValues, false)).toBe('scratch');
    expect(trainingRequest(initialFormValues, false)).toMatchObject({ start: 'scratch', size: 256 });
  });

  it('waits for the folders the data needs, trimmed', () => {
    expect(trainingRequest({ ...initialFormValues, kind: 'png-pairs', folder: '  ' }, true)).toBeNull();
    expect(trainingRequest({ ...initialFormValues, kind: 'png-pairs', folder: ' /data/pngs ' }, true)!.data).toEqual({ kind: 'png-pairs', folder: '/data/pngs' });
    expect(trainingRequest({ ...initialFormValues, kind: 'dicom-folder', folder: '/data/siim' }, true)).toBeNull();
    expect(trainingRequest({ ...initialFormValues, kind: 'dicom-folder', folder: '/data/siim', labels: '/data/train-rle.csv' }, true)!.data).toEqual({
      kind: 'dicom-folder',
      folder: '/data/siim',
      labels: '/data/train-rle.csv',
    });
  });
});

describe('the kept values', () => {
  it('are what the form last kept', () => {
    expect(keptFormValues()).toEqual(initialFormValues);
    const changed = { ...initialFormValues, plan: 'fourth-place' as const, epochs: 7 };
    keepFormValues(changed);
    expect(keptFormValues()).toBe(changed);
  });
});

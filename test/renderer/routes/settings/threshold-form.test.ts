import { describe, expect, it } from 'vitest';
import { rulePresets } from '../../../../ml/post/rules';
import { checkTriplet, formSetting, MAX_AREA, sameSetting, settingRule, tripletDraft, type TripletDraft } from '../../../../renderer/routes/settings/threshold-form';
import { reviewerProblem } from '../../../../renderer/routes/settings/reviewer-name';

const draft = (values: Partial<TripletDraft>): TripletDraft => ({ top: '0.75', minArea: '2000', bottom: '0.3', minRegionArea: '', ...values });

describe('a custom triple threshold typed by hand', () => {
  it('becomes a rule when every value is in range', () => {
    expect(checkTriplet(draft({ minRegionArea: ' 100 ' }))).toEqual({
      ok: true,
      rule: { kind: 'triple-threshold', top: 0.75, minArea: 2000, bottom: 0.3, minRegionArea: 100 },
    });
    expect(checkTriplet(draft({ top: '1', bottom: '1', minArea: String(MAX_AREA) }))).toMatchObject({ ok: true });
    expect(checkTriplet(draft({ top: '0', bottom: '0', minArea: '0' }))).toMatchObject({ ok: true, rule: { minRegionArea: null } });
  });

  it('names each wrong field with what it must be', () => {
    const result = checkTriplet({ top: '1.2', minArea: '12.5', bottom: '', minRegionArea: '-3' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.top).toBe('Top must be a probability from 0 to 1');
    expect(result.errors.bottom).toBe('Bottom is required');
    expect(result.errors.minArea).toMatch(/^Min area must be a whole number of pixels from 0 to 1,048,576/);
    expect(result.errors.minRegionArea).toMatch(/^Min region area must be a whole number/);
    expect(checkTriplet(draft({ top: 'abc' }))).toMatchObject({ ok: false, errors: { top: 'Top must be a probability from 0 to 1' } });
    expect(checkTriplet(draft({ minArea: String(MAX_AREA + 1) }))).toMatchObject({ ok: false, errors: { minArea: expect.any(String) } });
  });

  it('refuses a bottom above the top: the mask grows outwards from the confident core', () => {
    expect(checkTriplet(draft({ top: '0.3', bottom: '0.5' }))).toEqual({ ok: false, errors: { bottom: 'Bottom (0.5) must not be above top (0.3)' } });
  });

  it('starts from a triple-threshold rule as it is, and from validation-best for any other kind', () => {
    expect(tripletDraft({ ...rulePresets['leaderboard-best'], minRegionArea: 50 })).toEqual({ top: '0.7', minArea: '600', bottom: '0.3', minRegionArea: '50' });
    expect(tripletDraft(rulePresets['classifier-gate'])).toEqual(draft({}));
    expect(tripletDraft(null)).toEqual(draft({}));
  });
});

describe('the thresholds setting the form saves', () => {
  it('is the card rule, a named preset, or the checked custom rule', () => {
    expect(formSetting('card', '', draft({}))).toEqual({ ok: true, setting: { kind: 'card' } });
    expect(formSetting('preset', 'final-blend-0.7', draft({ top: 'bad' }))).toEqual({ ok: true, setting: { kind: 'preset', name: 'final-blend-0.7' } });
    expect(formSetting('custom', 'final-blend-0.7', draft({ top: 'bad' }))).toMatchObject({ ok: false, errors: { top: expect.any(String) } });
    expect(formSetting('custom', '', draft({}))).toMatchObject({ ok: true, setting: { kind: 'custom', rule: { top: 0.75 } } });
  });

  it('resolves to the rule it stands for, or null where that is unknown here', () => {
    const card = { ...rulePresets['validation-best'], minRegionArea: 100 };
    expect(settingRule({ kind: 'card' }, rulePresets, card)).toBe(card);
    expect(settingRule({ kind: 'card' }, rulePresets, null)).toBeNull();
    expect(settingRule({ kind: 'preset', name: 'leaderboard-best' }, rulePresets, null)).toEqual(rulePresets['leaderboard-best']);
    expect(settingRule({ kind: 'preset', name: 'toString' }, rulePresets, null)).toBeNull();
    expect(settingRule({ kind: 'custom', rule: card }, {}, null)).toBe(card);
  });

  it('compares settings by value, whatever the order of their keys', () => {
    const a = { kind: 'custom', rule: { kind: 'triple-threshold', top: 0.7, minArea: 600, bottom: 0.3, minRegionArea: null } } as const;
    const b = { rule: { minRegionArea: null, bottom: 0.3, minArea: 600, top: 0.7, kind: 'triple-threshold' }, kind: 'custom' } as const;
    expect(sameSetting(a, b)).toBe(true);
    expect(sameSetting(a, { ...a, rule: { ...a.rule, top: 0.75 } })).toBe(false);
    expect(sameSetting({ kind: 'card' }, { kind: 'preset', name: 'validation-best' })).toBe(false);
  });
});

describe('the reviewer name', () => {
  it('must be given and at most 64 characters once trimmed', () => {
    expect(reviewerProblem(' Dr Lee ')).toBeNull();
    expect(reviewerProblem('   ')).toBe('Enter the name recorded with your reviews.');
    expect(reviewerProblem('x'.repeat(65))).toBe('The name is 65 characters long; at most 64 are allowed.');
    expect(reviewerProblem(` ${'x'.repeat(64)} `)).toBeNull();
  });
});

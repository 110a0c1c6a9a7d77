// The one decision, by hand: every state an image's verdict can be in, a review of each kind on a flagged and on a
// not-flagged image, the intended use, the demonstration model, and the study summaries built from them.
import { describe, expect, it } from 'vitest';
import { decideImage, notFlaggedWords, PRIORITY, summariseStudy, type DecisionContext, type Figures, type ImageFacts } from '../../../main/triage/triage-decision';

const NOW: DecisionContext = { configKey: 'now', demonstration: false };
const FINDING: Figures = { score: 0.91, areaPixels: 290, areaMm2: 290, side: 'left' };
const NONE: Figures = { score: 0, areaPixels: 0, areaMm2: 0, side: null };
const EDITED: Figures = { score: 0.62, areaPixels: 1060, areaMm2: 1060, side: 'right' };

const positive: ImageFacts = {
  stored: 'triaged',
  configKey: 'now',
  modelFlag: 'positive',
  model: FINDING,
  maxProbability: 0.93,
  heldBack: null,
  review: null,
  notAssessedReason: null,
  phantom: false,
};
const notFlagged: ImageFacts = { ...positive, modelFlag: 'not-flagged', model: NONE, maxProbability: 0.31, heldBack: { kind: 'peak', threshold: 0.75 } };
const review = (decision: 'confirmed' | 'rejected' | 'edited', figures: Figures) => ({ decision, reviewer: 'Dr Ada', figures });

describe('decideImage', () => {
  it('leaves the flag empty while no current verdict stands: pending, queued, running, failed, stale', () => {
    expect(decideImage({ ...positive, stored: null, modelFlag: null, model: null, maxProbability: null }, NOW)).toEqual({
      state: 'pending',
      flag: null,
      flagSource: null,
      words: 'Not triaged',
      priority: PRIORITY.unknown,
      figures: null,
      maxProbability: null,
      notAssessedReason: null,
      demonstrationModel: false,
    });
    expect(decideImage({ ...positive, stored: 'queued' }, NOW)).toMatchObject({ state: 'queued', flag: null, words: 'Queued for triage', priority: PRIORITY.unknown });
    expect(decideImage({ ...positive, stored: 'running' }, NOW)).toMatchObject({ state: 'running', flag: null, words: 'Being triaged', priority: PRIORITY.unknown });
    expect(decideImage({ ...positive, stored: 'error', modelFlag: null }, NOW)).toMatchObject({ state: 'error', flag: null, words: 'Triage failed', priority: PRIORITY.error });
    // A positive by another model or rule is never shown as a current one.
    expect(decideImage(positive, { ...NOW, configKey: 'later' })).toMatchObject({ state: 'stale', flag: null, words: 'Stale — re-triage', figures: null, priority: PRIORITY.unknown });
    expect(decideImage(positive, { ...NOW, configKey: null })).toMatchObject({ state: 'stale', flag: null });
  });

  it("flags the model's positive with its figures, and says what kept a not-flagged image below the flag", () => {
    expect(decideImage(positive, NOW)).toMatchObject({ state: 'triaged', flag: 'positive', flagSource: 'model', words: 'Suspected pneumothorax', figures: FINDING, maxProbability: 0.93, priority: PRIORITY.positive });
    expect(decideImage(notFlagged, NOW)).toMatchObject({ state: 'triaged', flag: 'not-flagged', flagSource: 'model', words: 'Not flagged — peak 0.31 below 0.75', figures: null, maxProbability: 0.31, priority: PRIORITY.notFlagged });
  });

  it('says "not assessed" with the reason for an image outside the intended use, whatever its row holds', () => {
    const hip = { ...notFlagged, notAssessedReason: 'body part HIP' };
    expect(decideImage(hip, NOW)).toEqual({
      state: 'not-assessed',
      flag: 'not-assessed',
      flagSource: null,
      words: 'Not assessed — body part HIP',
      priority: PRIORITY.notAssessed,
      figures: null,
      maxProbability: null,
      notAssessedReason: 'body part HIP',
      demonstrationModel: false,
    });
    expect(decideImage({ ...hip, stored: null }, NOW).words).toBe('Not assessed — body part HIP');
    expect(decideImage({ ...hip, stored: 'error' }, { ...NOW, demonstration: true })).toMatchObject({ flag: 'not-assessed', demonstrationModel: false });
  });

  it.each([
    ['positive', 'confirmed', FINDING, 'positive', 'Reviewed: pneumothorax — Dr Ada', FINDING],
    ['positive', 'rejected', NONE, 'not-flagged', 'Reviewed: no pneumothorax — Dr Ada', null],
    ['positive', 'edited', NONE, 'not-flagged', 'Reviewed: no pneumothorax — Dr Ada', null],
    ['positive', 'edited', EDITED, 'positive', 'Reviewed: pneumothorax — Dr Ada', EDITED],
    // Confirming "not flagged" is the reviewer agreeing that there is no pneumothorax: never a positive.
    ['not-flagged', 'confirmed', NONE, 'not-flagged', 'Reviewed: no pneumothorax — Dr Ada', null],
    ['not-flagged', 'rejected', NONE, 'not-flagged', 'Reviewed: no pneumothorax — Dr Ada', null],
    ['not-flagged', 'edited', NONE, 'not-flagged', 'Reviewed: no pneumothorax — Dr Ada', null],
    ['not-flagged', 'edited', EDITED, 'positive', 'Reviewed: pneumothorax — Dr Ada', EDITED],
  ] as const)('a model %s %s (mask of %o px) reads %s', (model, decision, figures, flag, words, shown) => {
    const facts = { ...(model === 'positive' ? positive : notFlagged), review: review(decision, figures) };
    const decided = decideImage(facts, { ...NOW, demonstration: true });
    expect(decided).toMatchObject({ state: 'reviewed', flag, flagSource: 'reviewer', words, figures: shown, demonstrationModel: false });
    expect(decided.priority).toBe(flag === 'positive' ? PRIORITY.positive : PRIORITY.notFlagged);
    // A person's decision stands whatever model or rule is current, and while the image is triaged again.
    expect(decideImage(facts, { ...NOW, configKey: 'later' })).toMatchObject({ state: 'reviewed', flag, words });
    expect(decideImage({ ...facts, stored: 'queued' }, NOW)).toMatchObject({ state: 'queued', flag, words });
  });

  it("marks the demonstration model's results on real radiographs, never on phantoms", () => {
    const demo = { ...NOW, demonstration: true };
    expect(decideImage(positive, demo).demonstrationModel).toBe(true);
    expect(decideImage(notFlagged, demo).demonstrationModel).toBe(true);
    expect(decideImage({ ...positive, phantom: true }, demo).demonstrationModel).toBe(false);
    expect(decideImage(positive, NOW).demonstrationModel).toBe(false);
    expect(decideImage(positive, { ...demo, configKey: 'later' }).demonstrationModel).toBe(false);
  });
});

describe('notFlaggedWords', () => {
  it('names the peak and the condition of the rule that held it back', () => {
    expect(notFlaggedWords(0.31, { kind: 'peak', threshold: 0.75 })).toBe('Not flagged — peak 0.31 below 0.75');
    expect(notFlaggedWords(0.82, { kind: 'area', threshold: 0.75, area: 150, minArea: 2000 })).toBe('Not flagged — peak 0.82, 150 px above 0.75 (needs 2000)');
    expect(notFlaggedWords(0.9, { kind: 'classifier', probability: 0.22, minimum: 0.4 })).toBe('Not flagged — P(non-empty) 0.22 below 0.40');
    expect(notFlaggedWords(0.8, { kind: 'regions', minRegionArea: 100 })).toBe('Not flagged — peak 0.80, every region under 100 px');
    expect(notFlaggedWords(0.5, null)).toBe('Not flagged — peak 0.50');
    expect(notFlaggedWords(null, null)).toBe('Not flagged');
    expect(notFlaggedWords(0.004, { kind: 'peak', threshold: 0.6 })).toBe('Not flagged — peak <0.01 below 0.60');
    expect(notFlaggedWords(0.005, { kind: 'peak', threshold: 0.6 })).toBe('Not flagged — peak 0.01 below 0.60');
  });

  it('shows a third decimal where two would print the peak and the threshold alike', () => {
    expect(notFlaggedWords(0.749, { kind: 'peak', threshold: 0.75 })).toBe('Not flagged — peak 0.749 below 0.75');
    expect(notFlaggedWords(0.75, { kind: 'peak', threshold: 0.75 })).toBe('Not flagged — peak 0.75 below 0.75');
  });
});

describe('summariseStudy', () => {
  const stale = { ...positive, configKey: 'before', model: { ...FINDING, score: 0.99 }, maxProbability: 0.99 };
  const pending = { ...positive, stored: null, modelFlag: null, model: null, maxProbability: null };

  it('is no summary while no image was ever queued, and all are within the intended use', () => {
    expect(summariseStudy([pending, pending], NOW)).toEqual({ triage: null, priority: PRIORITY.unknown, rank: -1 });
  });

  it('ranks a reviewed positive beside a stale image as positive, in the reviewer\'s words', () => {
    const reviewed = { ...positive, review: review('edited', EDITED) };
    expect(summariseStudy([stale, reviewed], NOW)).toEqual({
      triage: {
        state: 'stale',
        flag: 'positive',
        flagSource: 'reviewer',
        words: 'Reviewed: pneumothorax — Dr Ada',
        score: 0.62,
        maxProbability: 0.93,
        areaCm2: 10.6,
        side: 'right',
        demonstrationModel: false,
        counts: { stale: 1, reviewed: 1 },
        reviewed: false,
      },
      priority: PRIORITY.positive,
      rank: 0.62,
    });
  });

  it("keeps a confirmed not-flagged image out of the positives", () => {
    const summary = summariseStudy([{ ...notFlagged, review: review('confirmed', NONE) }], NOW);
    expect(summary.priority).toBe(PRIORITY.notFlagged);
    expect(summary.triage).toMatchObject({ flag: 'not-flagged', words: 'Reviewed: no pneumothorax — Dr Ada', score: null, areaCm2: null, reviewed: true });
  });

  it('lets the most pressing image decide: positive, then unknown (stale by its peak), not flagged, not assessed, failed', () => {
    const failed = { ...pending, stored: 'error' as const };
    const hip = { ...pending, notAssessedReason: 'body part HIP' };
    const weaker = { ...positive, model: { ...FINDING, score: 0.7 } };
    expect(summariseStudy([failed, hip, notFlagged, stale, weaker, positive], NOW)).toMatchObject({ priority: PRIORITY.positive, rank: 0.91, triage: { words: 'Suspected pneumothorax', state: 'stale' } });
    expect(summariseStudy([failed, hip, notFlagged, pending, stale], NOW)).toMatchObject({ priority: PRIORITY.unknown, rank: 0.99, triage: { words: 'Stale — re-triage', flag: null, state: 'pending' } });
    expect(summariseStudy([failed, hip, notFlagged], NOW)).toMatchObject({ priority: PRIORITY.notFlagged, rank: 0.31, triage: { words: 'Not flagged — peak 0.31 below 0.75', state: 'error' } });
    expect(summariseStudy([failed, hip], NOW)).toMatchObject({ priority: PRIORITY.notAssessed, triage: { flag: 'not-assessed', words: 'Not assessed — body part HIP', state: 'error' } });
    expect(summariseStudy([hip], NOW)).toMatchObject({ priority: PRIORITY.notAssessed, triage: { state: 'not-assessed', counts: { 'not-assessed': 1 } } });
    expect(summariseStudy([failed], NOW)).toMatchObject({ priority: PRIORITY.error, triage: { words: 'Triage failed', state: 'error' } });
  });

  it('marks the study when any of its results comes from the demonstration model', () => {
    const demo = { ...NOW, demonstration: true };
    expect(summariseStudy([{ ...positive, phantom: true }, notFlagged], demo).triage).toMatchObject({ words: 'Suspected pneumothorax', demonstrationModel: true });
    expect(summariseStudy([{ ...positive, phantom: true }], demo).triage?.demonstrationModel).toBe(false);
  });
});

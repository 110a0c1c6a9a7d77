import { describe, expect, it } from 'vitest';
import { flagKindNames, flagOf, flagWordsOf, statusOf } from '../../../../renderer/routes/worklist/triage-flag';
import { formatAreaCm2, formatScore, formatSide } from '../../../../renderer/routes/worklist/triage-format';
import { studyRow } from './worklist-rows';

describe('worklist flags', () => {
  it("says each study's flag in the main side's words, so colour is never the only sign", () => {
    expect(flagWordsOf(studyRow('a', { flag: 'not-flagged', words: 'Not flagged — peak 0.31 below 0.75' }))).toBe('Not flagged — peak 0.31 below 0.75');
    expect(flagWordsOf(studyRow('a', { flag: 'positive', flagSource: 'reviewer', words: 'Reviewed: pneumothorax — Dr Ada' }))).toBe('Reviewed: pneumothorax — Dr Ada');
    expect(flagWordsOf(studyRow('a', null))).toBe('Not triaged');
    expect(flagWordsOf(studyRow('a', null, { status: 'error' }))).toBe('Unreadable');
    expect(flagKindNames).toEqual({
      positive: 'Suspected pneumothorax',
      pending: 'Not triaged yet',
      stale: 'Stale',
      'not-flagged': 'Not flagged',
      'not-assessed': 'Not assessed',
      error: 'Error',
    });
  });

  it("draws the main side's flag, and where there is none, what the study is waiting for", () => {
    expect(flagOf(studyRow('a', null))).toBe('pending');
    expect(flagOf(studyRow('a', null, { status: 'error' }))).toBe('error');
    expect(flagOf(studyRow('a', { flag: 'positive', score: 0.9 }))).toBe('positive');
    expect(flagOf(studyRow('a', { flag: 'not-flagged' }))).toBe('not-flagged');
    expect(flagOf(studyRow('a', { state: 'not-assessed', flag: 'not-assessed' }))).toBe('not-assessed');
    expect(flagOf(studyRow('a', { state: 'queued' }))).toBe('pending');
    expect(flagOf(studyRow('a', { state: 'error' }))).toBe('error');
    // The study's state is its least settled image's; its flag, its most pressing image's.
    expect(flagOf(studyRow('a', { state: 'error', flag: 'not-flagged' }))).toBe('not-flagged');
    expect(flagOf(studyRow('a', { state: 'stale', flag: 'positive', flagSource: 'reviewer' }))).toBe('positive');
    expect(flagOf(studyRow('a', { state: 'stale' }))).toBe('stale');
  });

  it('gives the status, with a running job’s progress ahead of the fetched state', () => {
    expect(statusOf(studyRow('a', null), null)).toBe('pending');
    expect(statusOf(studyRow('a', null, { status: 'error' }), null)).toBe('error');
    expect(statusOf(studyRow('a', { state: 'triaged' }), null)).toBe('triaged');
    expect(statusOf(studyRow('a', { state: 'triaged', reviewed: true }), null)).toBe('reviewed');
    expect(statusOf(studyRow('a', { state: 'stale' }), null)).toBe('stale');
    expect(statusOf(studyRow('a', { state: 'not-assessed' }), null)).toBe('not-assessed');
    expect(statusOf(studyRow('a', null), { done: 0, total: 3 })).toBe('queued');
    expect(statusOf(studyRow('a', null), { done: 1, total: 3 })).toBe('running');
    expect(statusOf(studyRow('a', { state: 'running' }), { done: 0, total: 3 })).toBe('running');
    // Done in the job: the worklist fetched after it says what came of it.
    expect(statusOf(studyRow('a', { state: 'triaged' }), { done: 3, total: 3 })).toBe('triaged');
  });
});

describe('verdict formats', () => {
  it('shows scores with two decimals', () => {
    expect(formatScore(0.8765)).toBe('0.88');
    expect(formatScore(null)).toBe('—');
  });

  it('shows areas in cm², keeping tiny findings visible', () => {
    expect(formatAreaCm2(12.345)).toBe('12.3 cm²');
    expect(formatAreaCm2(0.04)).toBe('< 0.1 cm²');
    expect(formatAreaCm2(0)).toBe('0 cm²');
    expect(formatAreaCm2(1234.5)).toBe('1,235 cm²');
    expect(formatAreaCm2(null)).toBe('—');
  });

  it('names the side', () => {
    expect(formatSide('left')).toBe('Left');
    expect(formatSide('bilateral')).toBe('Both sides');
    expect(formatSide(null)).toBe('—');
  });
});

import { describe, expect, it } from 'vitest';
import { flagOf, flagWords, statusOf } from '../../../../renderer/routes/worklist/triage-flag';
import { formatAreaCm2, formatScore, formatSide } from '../../../../renderer/routes/worklist/triage-format';
import { studyRow } from './worklist-rows';

describe('worklist flags', () => {
  it('names every flag in words, so colour is never the only sign', () => {
    expect(flagWords).toEqual({
      positive: 'Suspected pneumothorax',
      untriaged: 'Not triaged',
      stale: 'Stale — re-triage',
      negative: 'No finding',
      error: 'Error',
    });
  });

  it('derives the flag from the study triage', () => {
    expect(flagOf(studyRow('a', null))).toBe('untriaged');
    expect(flagOf(studyRow('a', null, { status: 'error' }))).toBe('error');
    expect(flagOf(studyRow('a', { flag: 'positive', score: 0.9 }))).toBe('positive');
    expect(flagOf(studyRow('a', { flag: 'negative' }))).toBe('negative');
    expect(flagOf(studyRow('a', { state: 'queued' }))).toBe('untriaged');
    expect(flagOf(studyRow('a', { state: 'error' }))).toBe('error');
    expect(flagOf(studyRow('a', { state: 'error', flag: 'negative' }))).toBe('error');
    // A positive image outweighs a failed one in the same study.
    expect(flagOf(studyRow('a', { state: 'error', flag: 'positive' }))).toBe('positive');
    expect(flagOf(studyRow('a', { state: 'reviewed', flag: 'positive', reviewed: true }))).toBe('positive');
  });

  it('never passes a stale verdict off as a current one', () => {
    expect(flagOf(studyRow('a', { state: 'stale', flag: 'positive', score: 0.99 }))).toBe('stale');
    expect(flagOf(studyRow('a', { state: 'stale', flag: 'negative' }))).toBe('stale');
  });

  it('gives the status, with a running job’s progress ahead of the fetched state', () => {
    expect(statusOf(studyRow('a', null), null)).toBe('pending');
    expect(statusOf(studyRow('a', null, { status: 'error' }), null)).toBe('error');
    expect(statusOf(studyRow('a', { state: 'triaged' }), null)).toBe('triaged');
    expect(statusOf(studyRow('a', { state: 'triaged', reviewed: true }), null)).toBe('reviewed');
    expect(statusOf(studyRow('a', { state: 'stale' }), null)).toBe('stale');
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

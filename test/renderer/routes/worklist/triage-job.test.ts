import { describe, expect, it } from 'vitest';
import type { TriageJob } from '../../../../main/api/contract';
import { fresherJob, isJobActive, studyProgressOf } from '../../../../renderer/routes/worklist/triage-job';

function job(patch: Partial<TriageJob>): TriageJob {
  return {
    jobId: 'j1',
    state: 'running',
    startedAt: '2025-01-01T00:00:00Z',
    total: 4,
    done: 0,
    failed: 0,
    studies: [
      { studyInstanceUid: 'a', done: 0, total: 3 },
      { studyInstanceUid: 'b', done: 0, total: 1 },
    ],
    models: ['pleura-demo@1'],
    engine: 'onnx',
    error: null,
    msPerImage: null,
    ...patch,
  };
}

describe('the triage job as the worklist follows it', () => {
  it('keeps the latest snapshot of the same job, whichever arrives first', () => {
    const progressed = job({ done: 2 });
    expect(fresherJob(progressed, job({ done: 0 }))).toBe(progressed);
    const finished = job({ done: 4, state: 'finished' });
    expect(fresherJob(finished, job({ done: 4 }))).toBe(finished);
    const next = job({ done: 3 });
    expect(fresherJob(progressed, next)).toBe(next);
    expect(fresherJob(progressed, finished)).toBe(finished);
  });

  it('replaces another job, whatever its progress', () => {
    const old = job({ done: 4, state: 'finished' });
    const started = job({ jobId: 'j2' });
    expect(fresherJob(old, started)).toBe(started);
    expect(fresherJob(null, started)).toBe(started);
  });

  it('gives each study’s progress only while the job runs', () => {
    expect(isJobActive(job({ state: 'cancelling' }))).toBe(true);
    expect(isJobActive(null)).toBe(false);
    expect(studyProgressOf(job({})).get('a')).toEqual({ done: 0, total: 3 });
    expect(studyProgressOf(job({ state: 'finished' })).size).toBe(0);
    expect(studyProgressOf(null).size).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import type { PacsJob } from '../../../../main/api/contract';
import { fresherPacsJob, isPacsJobActive, pacsJobSummary, sourceName } from '../../../../renderer/routes/pacs/pacs-job';

function job(patch: Partial<PacsJob>): PacsJob {
  return {
    id: 'j1',
    kind: 'retrieve',
    source: 'dicomweb',
    state: 'running',
    studies: 3,
    instances: { done: 12, total: 40 },
    retrieved: 12,
    triaged: 4,
    pushed: 0,
    skipped: 2,
    errors: [{ sopInstanceUid: '1.2.3', message: 'too large' }],
    startedAt: '2025-01-01T00:00:00Z',
    endedAt: null,
    message: null,
    ...patch,
  };
}

describe('a PACS job as the PACS page follows it', () => {
  it('keeps the latest snapshot of the same job, whichever arrives first', () => {
    const progressed = job({});
    const reply = job({ instances: { done: 0, total: 40 }, retrieved: 0, triaged: 0, skipped: 0, errors: [] });
    expect(fresherPacsJob(progressed, reply)).toBe(progressed);
    expect(fresherPacsJob(reply, progressed)).toBe(progressed);
    // Triage goes on after the last image is in: same images done, more triaged.
    const triagedMore = job({ triaged: 5 });
    expect(fresherPacsJob(progressed, triagedMore)).toBe(triagedMore);
  });

  it('never goes back from an ended job to a running snapshot of it', () => {
    const done = job({ state: 'done', endedAt: '2025-01-01T00:01:00Z' });
    expect(fresherPacsJob(done, job({}))).toBe(done);
    expect(fresherPacsJob(job({}), done)).toBe(done);
  });

  it('replaces another job, whatever its progress', () => {
    const started = job({ id: 'j2', kind: 'push', instances: { done: 0, total: 0 } });
    expect(fresherPacsJob(job({ state: 'done' }), started)).toBe(started);
    expect(fresherPacsJob(null, started)).toBe(started);
    expect(isPacsJobActive(started)).toBe(true);
    expect(isPacsJobActive(job({ state: 'cancelled' }))).toBe(false);
    expect(isPacsJobActive(null)).toBe(false);
  });
});

describe('a PACS job in one line', () => {
  it('says what runs, from where, and every count', () => {
    expect(pacsJobSummary(job({}))).toBe('Retrieving from DICOMweb: 12 of 40 images in 3 studies; 12 retrieved, 4 triaged, 0 pushed, 2 skipped, 1 error');
  });

  it('says how it ended, and why it failed', () => {
    expect(pacsJobSummary(job({ state: 'done', studies: 1, errors: [], instances: { done: 40, total: 40 } }))).toBe(
      'Retrieve from DICOMweb finished: 40 of 40 images in 1 study; 12 retrieved, 4 triaged, 0 pushed, 2 skipped, 0 errors',
    );
    expect(pacsJobSummary(job({ kind: 'poll', state: 'failed', source: 'MAIN', message: 'authentication failed: HTTP 401' }))).toBe(
      'Poll of MAIN failed: 12 of 40 images in 3 studies; 12 retrieved, 4 triaged, 0 pushed, 2 skipped, 1 error. authentication failed: HTTP 401',
    );
    expect(pacsJobSummary(job({ kind: 'push', state: 'cancelled', pushed: 1200 }))).toMatch(/^Sending results to DICOMweb cancelled: .*1,200 pushed/);
  });

  it('names the DICOMweb server in words and a peer by its name', () => {
    expect(sourceName('dicomweb')).toBe('DICOMweb');
    expect(sourceName('MAIN')).toBe('MAIN');
  });
});

// One PACS job's figures (retrieve, poll, push) as the API shows them, and its progress events: at most about twice
// a second while it runs, and once when it ends.
import { randomUUID } from 'node:crypto';
import type { PacsJob } from '../api/contract';
import type { EventHub } from '../api/events';
import { PacsError } from './pacs-error';

const MAX_ERRORS = 100;

type Counter = 'retrieved' | 'triaged' | 'pushed' | 'skipped';

export class PacsJobProgress {
  private readonly job: PacsJob;
  private lastEmit = -Infinity;
  /** errors past the first MAX_ERRORS are counted, not listed */
  errorCount = 0;
  readonly abort = new AbortController();

  constructor(
    kind: PacsJob['kind'],
    source: string,
    private readonly events: EventHub | null,
    private readonly intervalMs = 500,
  ) {
    this.job = { id: randomUUID(), kind, source, state: 'running', studies: 0, instances: { done: 0, total: 0 }, retrieved: 0, triaged: 0, pushed: 0, skipped: 0, errors: [], startedAt: new Date().toISOString(), endedAt: null, message: null };
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  snapshot(): PacsJob {
    return { ...this.job, instances: { ...this.job.instances }, errors: [...this.job.errors] };
  }

  studies(count: number): void {
    this.job.studies += count;
    this.changed();
  }

  planned(instances: number): void {
    this.job.instances.total += instances;
    this.changed();
  }

  instanceDone(): void {
    this.job.instances.done++;
    this.changed();
  }

  count(counter: Counter, by = 1): void {
    this.job[counter] += by;
    this.changed();
  }

  error(sopInstanceUid: string | null, error: unknown): void {
    this.errorCount++;
    if (this.job.errors.length < MAX_ERRORS) this.job.errors.push({ sopInstanceUid, message: errorMessage(error) });
    this.changed();
  }

  end(state: 'done' | 'cancelled' | 'failed', message: string | null = null): PacsJob {
    this.job.state = state;
    this.job.message = message;
    this.job.endedAt = new Date().toISOString();
    this.events?.emit('pacs.progress', this.snapshot());
    return this.snapshot();
  }

  private changed(): void {
    if (!this.events || performance.now() - this.lastEmit < this.intervalMs) return;
    this.lastEmit = performance.now();
    this.events.emit('pacs.progress', this.snapshot());
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof PacsError || error instanceof Error) return error.message;
  return String(error);
}

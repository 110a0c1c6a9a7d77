// A triage job's counters as the API reports them (TriageJob): images queued and done, per study and overall, and
// the mean time per image since the model was ready. Snapshots are copies, safe to send while the job goes on.
import type { TriageJob, TriageJobState } from '../api/contract';

export class JobProgress {
  private readonly job: TriageJob;
  private readonly studies = new Map<string, { studyInstanceUid: string; done: number; total: number }>();
  private readyAt: number | null = null;

  constructor(jobId: string, models: string[], startedAt = new Date()) {
    this.job = { jobId, state: 'running', startedAt: startedAt.toISOString(), total: 0, done: 0, failed: 0, studies: [], models, engine: null, error: null, msPerImage: null };
  }

  get state(): TriageJobState {
    return this.job.state;
  }

  add(targets: readonly { studyInstanceUid: string }[]): void {
    for (const { studyInstanceUid } of targets) {
      let study = this.studies.get(studyInstanceUid);
      if (!study) this.studies.set(studyInstanceUid, (study = { studyInstanceUid, done: 0, total: 0 }));
      study.total++;
    }
    this.job.total += targets.length;
  }

  /** The model is loaded: the time per image counts from here. */
  ready(engine: string): void {
    this.job.engine = engine;
    this.readyAt = performance.now();
  }

  imageDone(studyInstanceUid: string, failed: boolean): void {
    this.job.done++;
    if (failed) this.job.failed++;
    const study = this.studies.get(studyInstanceUid);
    if (study) study.done++;
    if (this.readyAt !== null) this.job.msPerImage = (performance.now() - this.readyAt) / this.job.done;
  }

  end(state: Exclude<TriageJobState, 'running'>, error: string | null = null): void {
    this.job.state = state;
    this.job.error = error;
  }

  snapshot(): TriageJob {
    return { ...this.job, models: [...this.job.models], studies: [...this.studies.values()].map((study) => ({ ...study })) };
  }
}

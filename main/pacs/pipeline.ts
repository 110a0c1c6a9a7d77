// From a PACS to results in it: the instances of the chosen studies that are not here yet are claimed (so another
// workstation on the same PACS leaves them alone), retrieved into the cache, indexed, triaged, and their results
// sent back. Each step's work is recorded when it ends: a run that dies is resumed by the next, which finds what
// was retrieved already local and what was sent already in the PACS.
import type { PacsCache } from './pacs-cache';
import { PacsError } from './pacs-error';
import type { PacsJobProgress } from './pacs-job';
import type { PacsState } from './pacs-state';
import type { InstanceMatch, InstanceRef } from './peers';
import { isTriageCandidate, type QueryRetrieve } from './query-retrieve';
import type { WorkClaims } from './work-claims';

/** How long a claim holds without its holder finishing or renewing it: past this, another workstation takes over. */
export const CLAIM_TTL_MS = 15 * 60 * 1000;
/** the version a finished claim names when the image needed no result (not assessed) */
const NO_RESULT = 'none';

export interface PipelineSteps {
  state: PacsState;
  cache: PacsCache;
  /** the SOP Instance UIDs of these studies already in the index (from any folder or PACS) */
  indexedInstances(studyInstanceUids: readonly string[]): Set<string>;
  /** indexes what arrived in the cache */
  index(): Promise<void>;
  /** triages the studies' images not yet triaged with the current configuration; resolves with how many were */
  triage(studyInstanceUids: readonly string[], signal: AbortSignal): Promise<number>;
  /** sends the studies' results: by SOP Instance UID, the version in the PACS, null when an image needs none; failures absent */
  push(studyInstanceUids: readonly string[], job: PacsJobProgress): Promise<Map<string, string | null>>;
  /** the PACS's own claims (Orthanc metadata); null where it has none and results in the PACS are the only check */
  claims: WorkClaims | null;
}

/** Retrieves, indexes and triages the studies, and sends the results when `push`; the job counts what happened. */
export async function runPipeline(studyInstanceUids: readonly string[], source: QueryRetrieve, steps: PipelineSteps, job: PacsJobProgress, push: boolean): Promise<void> {
  const { state, cache } = steps;
  const holder = state.holder();
  const claims = push ? steps.claims : null;
  const claimed: InstanceRef[] = [];
  const finished = new Set<string>();
  const arrived = new Set<string>();
  job.studies(studyInstanceUids.length);
  try {
    for (const study of studyInstanceUids) {
      if (job.signal.aborted) break;
      try {
        const instances = (await source.listInstances(study, job.signal)).filter(isTriageCandidate);
        job.planned(instances.length);
        const local = steps.indexedInstances([study]);
        const wanted: InstanceMatch[] = [];
        for (const instance of instances) {
          if (local.has(instance.sopInstanceUid)) {
            // Here already (an earlier run, or a folder): triaged and pushed below like the rest.
            job.count('skipped');
            job.instanceDone();
            if (state.isReceived(instance.sopInstanceUid)) arrived.add(study);
            continue;
          }
          if (claims) {
            const outcome = await claims.claim(instance, holder, CLAIM_TTL_MS, job.signal);
            if (outcome !== 'claimed') {
              job.count('skipped');
              job.instanceDone();
              continue;
            }
            claimed.push(instance);
          }
          wanted.push(instance);
        }
        if (wanted.length === 0) continue;
        await source.retrieve(
          study,
          wanted,
          cache,
          async (staged, ref) => {
            const file = await cache.place(staged, ref);
            state.markReceived(ref, source.name, file);
            arrived.add(ref.studyInstanceUid);
            job.count('retrieved');
            job.instanceDone();
          },
          job.signal,
        );
      } catch (error) {
        if (isFatal(error)) throw error;
        job.error(null, new Error(`study ${study}: ${(error as Error).message}`));
      }
    }
    if (arrived.size === 0) return;
    await steps.index();
    const studies = [...arrived];
    job.count('triaged', await steps.triage(studies, job.signal));
    if (!push || job.signal.aborted) return;
    const inPacs = await steps.push(studies, job);
    if (claims) {
      for (const ref of claimed.filter((ref) => inPacs.has(ref.sopInstanceUid))) {
        try {
          await claims.finish(ref, holder, inPacs.get(ref.sopInstanceUid) ?? NO_RESULT, job.signal);
          finished.add(ref.sopInstanceUid);
        } catch (error) {
          job.error(ref.sopInstanceUid, error);
        }
      }
    }
  } finally {
    // What was claimed and not finished is let go at once, so another workstation need not wait for it to expire.
    for (const ref of claimed) if (!finished.has(ref.sopInstanceUid)) await claims?.release(ref, holder).catch(() => {});
  }
}

/** Failures that end the whole run: the same request for the next study would fail the same way. */
export function isFatal(error: unknown): boolean {
  return error instanceof PacsError && (error.kind === 'authentication' || error.kind === 'cancelled');
}

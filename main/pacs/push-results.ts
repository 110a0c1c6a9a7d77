// Results back to the PACS: for each image that came from it and has a verdict, its result objects (SEG when
// flagged, Secondary Capture and SR when assessed — result-objects.ts decides) into the image's own study. A result
// version is sent once: its UIDs are derived from the source and the version, so running again sends nothing new
// here, and a version another workstation already sent is found in the PACS and not sent twice. A review makes a
// new version, sent as new objects that name the earlier ones.
import type { DecodedImage } from '../api/contract';
import { buildResultObjects, pacsResultKinds, resultVersion, type ResultObject } from '../exports/result-objects';
import type { TriageContext, TriageStore } from '../triage/results-store';
import type { PacsJobProgress } from './pacs-job';
import type { PacsState, PushedObject } from './pacs-state';
import type { ResultSink } from './query-retrieve';

export interface PushOptions {
  store: TriageStore;
  context: TriageContext;
  state: PacsState;
  sink: ResultSink;
  decode: (file: string) => Promise<DecodedImage>;
  softwareVersion: string;
  job: PacsJobProgress;
  now?: () => Date;
}

/**
 * Sends what the PACS lacks for these studies. Returns, by SOP Instance UID, the result version now in the PACS for
 * each image sent or found there, or null for an image with a verdict that needs none (not assessed); an image that
 * failed is absent.
 */
export async function pushResults(studyInstanceUids: readonly string[], options: PushOptions): Promise<Map<string, string | null>> {
  const { store, context, state, sink, job } = options;
  const inPacs = new Map<string, string | null>();
  for (const study of studyInstanceUids) {
    if (job.signal.aborted) break;
    const triaged = new Map(store.listTriaged({ studyInstanceUids: [study], heatmaps: true }).map((stored) => [stored.instanceId, stored]));
    for (const image of store.imagesOfStudy(study, context)) {
      if (job.signal.aborted) break;
      const stored = triaged.get(image.instanceId);
      if (!stored || !state.isReceived(image.sopInstanceUid)) continue;
      const kinds = pacsResultKinds(image, stored);
      if (kinds.size === 0) {
        if (stored.state === 'triaged') inPacs.set(image.sopInstanceUid, null);
        continue;
      }
      const version = resultVersion(stored);
      if (state.pushed(image.sopInstanceUid, version)) {
        job.count('skipped');
        inPacs.set(image.sopInstanceUid, version);
        continue;
      }
      try {
        const previous = state.latestPush(image.sopInstanceUid);
        const objects = await buildResultObjects({
          image,
          triaged: stored,
          kinds,
          decode: options.decode,
          softwareVersion: options.softwareVersion,
          at: options.now?.() ?? new Date(),
          identity: { version },
          predecessor: previous?.objects,
        });
        const sent = objects.map(pushedObject);
        if (await allPresent(sink, objects, job.signal)) {
          job.count('skipped');
        } else {
          const { failed } = await sink.store(
            objects.map((object) => object.bytes),
            study,
            job.signal,
          );
          if (failed.length) throw new Error(`the PACS refused ${failed.map((f) => `${f.sopInstanceUid} (${f.reason})`).join(', ')}`);
          job.count('pushed');
        }
        state.markPushed(image.sopInstanceUid, version, sent);
        inPacs.set(image.sopInstanceUid, version);
      } catch (error) {
        job.error(image.sopInstanceUid, error);
      }
    }
  }
  return inPacs;
}

/** Of these studies, those with an image from the PACS whose current result version was not sent yet. */
export function studiesNeedingPush(studyInstanceUids: readonly string[], { store, state }: Pick<PushOptions, 'store' | 'state'>): string[] {
  return studyInstanceUids.filter((study) =>
    store.listTriaged({ studyInstanceUids: [study] }).some((stored) => stored.state === 'triaged' && state.isReceived(stored.sopInstanceUid) && !state.pushed(stored.sopInstanceUid, resultVersion(stored))),
  );
}

async function allPresent(sink: ResultSink, objects: readonly ResultObject[], signal: AbortSignal): Promise<boolean> {
  for (const object of objects) if (!(await sink.has(object, signal))) return false;
  return true;
}

function pushedObject(object: ResultObject): PushedObject {
  return { kind: object.kind, sopInstanceUid: object.sopInstanceUid, seriesInstanceUid: object.seriesInstanceUid };
}

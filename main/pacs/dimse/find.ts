// C-FIND SCU (Study Root): studies for the PACS page and the poller, instances of a study before retrieving it. Each
// call is one association; answers are bounded — past a cap Pleura sends C-CANCEL, and a peer that keeps answering
// anyway is cut off after a grace period.
import { checkCount, hasModality } from '../dicomweb/qido';
import { PacsError } from '../pacs-error';
import type { DimsePeer, InstanceMatch, StudyMatch, StudyQuery } from '../peers';
import { classifyStatus, describeStatus } from './dimse-status';
import { checkUidArgument, imageIdentifier, instanceMatch, seriesIdentifier, seriesMatch, studyIdentifiers, studyMatch, type SeriesMatch } from './find-keys';
import { CFindRequest, Dataset, type CFindResponseType } from './library';
import { lastResponse, withAssociation, type ProposedContext, type ScuAssociation } from './scu-association';
import { EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN } from '../../studies/dicom/transfer-syntax';
import { STUDY_ROOT_FIND } from './syntaxes';

/** Studies one search returns without a limit; past it the search is refused as too wide. */
export const MAX_STUDY_MATCHES = 5_000;
/** Answers one search reads, matching or not (duplicates, records without UIDs, other modalities). */
export const MAX_ANSWERS = 50_000;
export const MAX_SERIES = 1_000;
export const MAX_INSTANCES = 10_000;
/** How long a peer may keep answering after C-CANCEL before the association is aborted. */
const CANCEL_GRACE_MS = 5_000;

const FIND_CONTEXT: ProposedContext = { abstractSyntax: STUDY_ROOT_FIND, transferSyntaxes: [EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN] };

export async function findStudies(peer: DimsePeer, query: StudyQuery, signal?: AbortSignal): Promise<StudyMatch[]> {
  checkCount(query.limit, 'limit');
  checkCount(query.offset, 'offset');
  const identifiers = studyIdentifiers(query);
  const offset = query.offset ?? 0;
  const wanted = query.limit === undefined ? MAX_STUDY_MATCHES + 1 : offset + query.limit;
  if (wanted === 0) return [];
  const merged = new Map<string, StudyMatch>();
  let answers = 0;
  await withAssociation(peer, { contexts: [FIND_CONTEXT], signal }, async (association) => {
    association.require(STUDY_ROOT_FIND);
    await find(association, identifiers, (answer) => {
      answers += 1;
      const study = studyMatch(answer);
      if (study && hasModality(study, query.modalities) && !merged.has(study.studyInstanceUid)) merged.set(study.studyInstanceUid, study);
      return merged.size < wanted && answers < MAX_ANSWERS;
    });
  });
  if (answers >= MAX_ANSWERS) throw new PacsError('too-large', `${peer.aeTitle} sent ${MAX_ANSWERS} answers or more: narrow the search`);
  if (merged.size > MAX_STUDY_MATCHES) throw new PacsError('too-large', `more than ${MAX_STUDY_MATCHES} studies match: narrow the search`);
  return [...merged.values()].slice(offset, wanted);
}

/** Every instance of a study: its series (SERIES level), then each series' instances (IMAGE level), as PS3.4 C.4.1.3.1 lays out a hierarchical search. */
export async function findInstances(peer: DimsePeer, studyInstanceUid: string, signal?: AbortSignal): Promise<InstanceMatch[]> {
  checkUidArgument(studyInstanceUid, 'studyInstanceUid');
  return withAssociation(peer, { contexts: [FIND_CONTEXT], signal }, async (association) => {
    association.require(STUDY_ROOT_FIND);
    const series = new Map<string, SeriesMatch>();
    const allSeries = await find(association, [seriesIdentifier(studyInstanceUid)], (answer) => {
      const match = seriesMatch(answer, studyInstanceUid);
      if (match && !series.has(match.seriesInstanceUid)) series.set(match.seriesInstanceUid, match);
      return series.size <= MAX_SERIES;
    });
    if (!allSeries) throw new PacsError('too-large', `study ${studyInstanceUid} has more than ${MAX_SERIES} series on ${peer.aeTitle}`);
    const instances = new Map<string, InstanceMatch>();
    for (const one of series.values()) {
      const allInstances = await find(association, [imageIdentifier(studyInstanceUid, one.seriesInstanceUid)], (answer) => {
        const match = instanceMatch(answer, studyInstanceUid, one);
        if (match && !instances.has(match.sopInstanceUid)) instances.set(match.sopInstanceUid, match);
        return instances.size <= MAX_INSTANCES;
      });
      if (!allInstances) throw new PacsError('too-large', `study ${studyInstanceUid} has more than ${MAX_INSTANCES} instances on ${peer.aeTitle}`);
    }
    return [...instances.values()];
  });
}

/**
 * Runs a C-FIND per identifier, in turn, handing each answer's data set to `take`; when `take` returns false the
 * request is cancelled and the rest are not sent. Resolves true when every answer was taken.
 */
async function find(association: ScuAssociation, identifiers: Record<string, unknown>[], take: (answer: Record<string, unknown>) => boolean): Promise<boolean> {
  for (const identifier of identifiers) {
    const request = new CFindRequest();
    request.setDataset(new Dataset(identifier));
    let stopped: () => void = () => undefined;
    const stopping = new Promise<void>((resolve) => {
      stopped = resolve;
    });
    let cancelled = false;
    const final = lastResponse<CFindResponseType>(request, (response) => {
      const dataset = response.getDataset();
      if (cancelled || classifyStatus(response.getStatus()) !== 'pending' || !dataset) return;
      if (!take(dataset.getElements())) {
        cancelled = true;
        association.cancel(request);
        stopped();
      }
    });
    const answered = association.run([request]).then(() => 'answered' as const);
    answered.catch(() => undefined); // (when the grace period wins, close() fails it after the race is over)
    const outcome = await Promise.race([answered, stopping.then(() => delay(CANCEL_GRACE_MS)).then(() => 'ignored' as const)]);
    if (cancelled) {
      if (outcome === 'ignored') association.close();
      return false;
    }
    const status = final()?.getStatus();
    if (status === undefined) throw new PacsError('protocol', `${association.where} did not answer the C-FIND`);
    if (classifyStatus(status) === 'failure' || classifyStatus(status) === 'cancel') {
      throw new PacsError('refused', `${association.where} answered the C-FIND with ${describeStatus(status, final()?.getErrorComment())}`);
    }
  }
  return true;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

// The shown image's verdict and, where there is one, its overlay; fetched again when a triage job or a review
// changes the study (the worklist.changed and triage.done events), or when `reload` is called after a review.
import { useCallback, useEffect, useState } from 'react';
import type { ImageTriage, TriageOverlay, TriageState } from '../../../main/api/contract';
import { useApi, useApiQuery, type Loadable } from '../../app/api-context';
import { errorMessage } from '../../app/error-message';

/** States in which the main process holds a verdict, and so an overlay. */
const withVerdict: ReadonlySet<TriageState> = new Set(['triaged', 'stale', 'reviewed']);

export type ImageTriageView = {
  /** the study's verdicts are still on their way: nothing can be said about this image yet */
  loading: boolean;
  /** null while loading, or when this image has none listed */
  triage: ImageTriage | null;
  listError: string | null;
  overlay: Loadable<TriageOverlay> | null;
  reload: () => void;
};

export function useImageTriage(studyInstanceUid: string, instanceId: number | null): ImageTriageView {
  const client = useApi();
  const [revision, setRevision] = useState(0);
  const reload = useCallback(() => setRevision((value) => value + 1), []);
  useEffect(() => {
    const offChanged = client.on('worklist.changed', ({ studyInstanceUids }) => {
      if (studyInstanceUids.length === 0 || studyInstanceUids.includes(studyInstanceUid)) reload();
    });
    const offDone = client.on('triage.done', reload);
    return () => {
      offChanged();
      offDone();
    };
  }, [client, studyInstanceUid, reload]);

  const images = useApiQuery('triage.images', { studyInstanceUid }, revision);
  const triage = images.state === 'ok' ? (images.value.find((one) => one.instanceId === instanceId) ?? null) : null;
  const overlayKey = triage && withVerdict.has(triage.state) ? `${triage.instanceId}:${triage.triagedAt}:${triage.review?.at ?? ''}` : null;
  const overlay = useOverlay(triage?.instanceId ?? null, overlayKey);
  return { loading: images.state === 'loading', triage, listError: images.state === 'error' ? images.message : null, overlay, reload };
}

/** triage.overlay for the instance, fetched again whenever `key` (the verdict and review times) changes. */
function useOverlay(instanceId: number | null, key: string | null): Loadable<TriageOverlay> | null {
  const client = useApi();
  const [overlay, setOverlay] = useState<Loadable<TriageOverlay> | null>(null);
  useEffect(() => {
    if (instanceId === null || key === null) {
      setOverlay(null);
      return;
    }
    let current = true;
    setOverlay({ state: 'loading' });
    client.invoke('triage.overlay', { instanceId }).then(
      (value) => current && setOverlay({ state: 'ok', value }),
      (error: unknown) => current && setOverlay({ state: 'error', message: errorMessage(error) }),
    );
    return () => {
      current = false;
    };
  }, [client, instanceId, key]);
  return overlay;
}

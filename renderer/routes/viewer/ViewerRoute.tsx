// One study: its series and instances on the left; the image in the middle with the triage overlay and the review
// tools (alone, or side by side with the plain image); the finding, the audit log and the tags on the right.
import { useEffect, useRef, useState, type RefObject } from 'react';
import { Link, useParams } from 'react-router-dom';
import type { ApiArgs, ApiClient, StudyDetail } from '../../../main/api/contract';
import { encodeRle } from '../../../ml/post/rle';
import { useApi, useApiQuery } from '../../app/api-context';
import { errorMessage } from '../../app/error-message';
import { formatDicomDate, formatPersonName, formatText } from '../../app/format';
import { imageIdFor } from '../../viewer/image-id';
import type { PrimaryTool } from '../../viewer/stack-mode';
import type { StackSession } from '../../viewer/stack-session';
import { useStackViewport, type ViewportStatus } from '../../viewer/use-stack-viewport';
import { copyView, linkViewports } from '../../viewer/viewport-sync';
import { worklistPath } from '../paths';
import { AuditPanel } from './AuditPanel';
import { FindingSummary } from './FindingSummary';
import { MetadataPanel } from './MetadataPanel';
import { defaultOverlayOptions, OverlayControls, type OverlayOptions } from './OverlayControls';
import { ReviewControls } from './ReviewControls';
import { SeriesList } from './SeriesList';
import { useImageTriage } from './use-image-triage';
import { useMaskEditing } from './use-mask-editing';
import { useOverlayLayer } from './use-overlay-layer';
import { ViewportToolbar } from './ViewportToolbar';

export function ViewerRoute() {
  const { studyInstanceUid = '' } = useParams();
  const detail = useApiQuery('studies.detail', { studyInstanceUid });
  if (detail.state === 'loading') return <p className="muted viewer-message">Loading the study…</p>;
  if (detail.state === 'error') {
    return (
      <div className="viewer-message" role="alert" data-testid="viewer-error">
        <p>Could not open study {studyInstanceUid}: {detail.message}</p>
        <Link to={worklistPath}>Back to the worklist</Link>
      </div>
    );
  }
  return <StudyViewer study={detail.value} key={studyInstanceUid} />;
}

function StudyViewer({ study }: { study: StudyDetail }) {
  const client = useApi();
  const [instanceId, setInstanceId] = useState<number | null>(study.firstInstanceId);
  const imageId = instanceId === null ? null : imageIdFor(instanceId);
  const { elementRef, session, view, status, reset, toggleInvert } = useStackViewport(client, imageId);
  const image = status.state === 'ready' ? status.image : null;
  const shownImageId = status.state === 'ready' ? status.imageId : null;

  const [options, setOptions] = useState<OverlayOptions>(defaultOverlayOptions);
  const { triage, listError, overlay: overlayState, reload } = useImageTriage(study.studyInstanceUid, instanceId);
  const overlay = overlayState?.state === 'ok' && overlayState.value.instanceId === instanceId ? overlayState.value : null;
  const editing = useMaskEditing(session, shownImageId, overlay);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  useOverlayLayer(canvasRef, session, shownImageId ? overlay : null, editing.mask, options);

  const [review, setReview] = useState<{ busy: boolean; problem: string | null; revision: number }>({ busy: false, problem: null, revision: 0 });
  const saveReview = async (args: Omit<ApiArgs<'review.save'>, 'instanceId'>) => {
    if (instanceId === null) return;
    setReview((now) => ({ ...now, busy: true, problem: null }));
    try {
      await client.invoke('review.save', { ...args, instanceId });
      setReview((now) => ({ busy: false, problem: null, revision: now.revision + 1 }));
      reload();
    } catch (error) {
      setReview((now) => ({ ...now, busy: false, problem: errorMessage(error) }));
    }
  };
  const saveMask = () => {
    const mask = editing.currentMask();
    if (mask) void saveReview({ decision: 'edited', encodedPixels: encodeRle(mask) });
  };
  const available = overlay !== null && shownImageId !== null;
  const overlayProblem = overlayState?.state === 'error' ? `The overlay could not be loaded: ${overlayState.message}` : null;

  return (
    <div className="viewer">
      <aside className="viewer__side viewer__side--left">
        <header className="study-header">
          <h1 className="study-header__patient">{formatPersonName(study.patientName)}</h1>
          <p className="muted">
            {formatText(study.patientId)} · {formatDicomDate(study.studyDate)} · {formatText(study.modality)}
          </p>
          {study.studyDescription && <p>{study.studyDescription}</p>}
        </header>
        <SeriesList series={study.series} selectedId={instanceId} onSelect={setInstanceId} />
      </aside>
      <section className="viewer__center">
        <ViewportToolbar view={view} disabled={status.state !== 'ready'} onReset={reset} onInvert={toggleInvert} />
        <OverlayControls options={options} onChange={setOptions} rule={triage?.rule ?? null} available={available} />
        <ReviewControls editing={editing} available={available} busy={review.busy} onDecide={(decision) => void saveReview({ decision })} onSave={saveMask} />
        {review.problem && (
          <p className="viewer__problem" role="alert" data-testid="review-error">
            {review.problem}
          </p>
        )}
        <div className={`viewport-row${options.sideBySide ? ' viewport-row--split' : ''}`} data-testid="viewport-row" data-layout={options.sideBySide ? 'side-by-side' : 'single'}>
          {options.sideBySide && <ReferenceViewport client={client} imageId={imageId} main={session} mainStatus={status} />}
          <div className="viewport-frame">
            <ViewportElement elementRef={elementRef} testId="viewport" status={status} tool={editing.tool} />
            <canvas
              ref={canvasRef}
              className="viewport-overlay-canvas"
              data-testid="overlay-canvas"
              data-heatmap={available && options.heatmap ? 'on' : 'off'}
              data-contour={available && options.contour ? 'on' : 'off'}
              data-opacity={options.opacity}
              aria-hidden="true"
            />
            {options.sideBySide && <span className="viewport-label">Image with mask</span>}
            <ViewportMessage status={status} />
          </div>
        </div>
      </section>
      <aside className="viewer__side viewer__side--right">
        <FindingSummary triage={triage} problem={overlayProblem ?? listError} />
        <AuditPanel sopInstanceUid={triage?.sopInstanceUid ?? image?.info.sopInstanceUid ?? null} revision={review.revision} />
        <MetadataPanel image={image} view={view} />
      </aside>
    </div>
  );
}

type ViewportElementProps = { elementRef: RefObject<HTMLDivElement | null>; testId: string; status: ViewportStatus; tool?: PrimaryTool };

/** The element Cornerstone renders into; its data attributes say what it shows (for tests and styling). */
function ViewportElement({ elementRef, testId, status, tool }: ViewportElementProps) {
  return (
    <div
      ref={elementRef}
      className="viewport"
      data-testid={testId}
      data-state={status.state}
      data-image-id={status.state === 'idle' ? '' : status.imageId}
      data-tool={tool}
      onContextMenu={(event) => event.preventDefault()}
    />
  );
}

function ViewportMessage({ status }: { status: ViewportStatus }) {
  if (status.state === 'idle') return <p className="viewport-overlay">This study has no image that can be shown.</p>;
  if (status.state === 'loading') return <p className="viewport-overlay">Decoding…</p>;
  if (status.state === 'error') {
    return (
      <p className="viewport-overlay viewport-overlay--error" role="alert" data-testid="viewport-error">
        {status.message}
      </p>
    );
  }
  return null;
}

type ReferenceProps = { client: ApiClient; imageId: string | null; main: StackSession | null; mainStatus: ViewportStatus };

/** The plain image beside the overlaid one, in step with it for zoom, pan and window/level (both ways). */
function ReferenceViewport({ client, imageId, main, mainStatus }: ReferenceProps) {
  const { elementRef, session, status } = useStackViewport(client, imageId);
  const bothReady = status.state === 'ready' && mainStatus.state === 'ready' && status.imageId === mainStatus.imageId;
  useEffect(() => {
    if (!main || !session || !bothReady) return;
    copyView(main, session);
    return linkViewports(main, session);
  }, [main, session, bothReady]);
  return (
    <div className="viewport-frame">
      <ViewportElement elementRef={elementRef} testId="viewport-reference" status={status} />
      <span className="viewport-label">Image</span>
      <ViewportMessage status={status} />
    </div>
  );
}

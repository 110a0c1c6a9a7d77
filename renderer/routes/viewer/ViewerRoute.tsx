// One study: its series and instances on the left with the way to the previous and next study; the image in the
// middle with the triage overlay and the review tools (alone, or side by side with the plain image); the finding,
// the audit log and the tags on the right. Keys run the same actions as the buttons (shortcuts.ts; "?" lists them),
// and unsaved mask edits are never left without asking.
import { useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import type { ApiArgs, ApiClient, StudyDetail } from '../../../main/api/contract';
import { maskArea } from '../../../ml/post/raster';
import { encodeRle } from '../../../ml/post/rle';
import { useApi, useApiQuery } from '../../app/api-context';
import { errorMessage } from '../../app/error-message';
import { formatDicomDate, formatPersonName, formatText } from '../../app/format';
import { imageIdFor } from '../../viewer/image-id';
import type { PrimaryTool } from '../../viewer/stack-mode';
import type { StackSession } from '../../viewer/stack-session';
import { useStackViewport, type ViewportStatus } from '../../viewer/use-stack-viewport';
import { copyView, linkViewports } from '../../viewer/viewport-sync';
import { presetWindow, type WindowPreset } from '../../viewer/window-presets';
import { viewerPath, viewerState, worklistPath } from '../paths';
import { AuditPanel } from './AuditPanel';
import { FindingSummary } from './FindingSummary';
import { LeaveDialog } from './LeaveDialog';
import { MetadataPanel } from './MetadataPanel';
import { defaultOverlayOptions, OverlayControls, type OverlayOptions } from './OverlayControls';
import { neighboursIn } from './reading-order';
import { reviewAbilities } from './review-abilities';
import { ReviewControls } from './ReviewControls';
import { SeriesList } from './SeriesList';
import { ShortcutHelp } from './ShortcutHelp';
import { StudyNavigation } from './StudyNavigation';
import { useBrushSize } from './use-brush-size';
import { useImageTriage } from './use-image-triage';
import { useLeaveGuard } from './use-leave-guard';
import { useMaskEditing } from './use-mask-editing';
import { useOverlayLayer } from './use-overlay-layer';
import { useReadingOrder } from './use-reading-order';
import { useShortcuts } from './use-shortcuts';
import { ViewportToolbar } from './ViewportToolbar';
import './viewer.css';

export function ViewerRoute() {
  const { studyInstanceUid = '' } = useParams();
  const detail = useApiQuery('studies.detail', { studyInstanceUid });
  const readingOrder = useReadingOrder();
  // From one study to the next the query still holds the last study until the new one arrives.
  const arrived = detail.state !== 'ok' || detail.value.studyInstanceUid === studyInstanceUid;
  if (detail.state === 'loading' || !arrived) return <p className="muted viewer-message">Loading the study…</p>;
  if (detail.state === 'error') {
    return (
      <div className="viewer-message" role="alert" data-testid="viewer-error">
        <p>Could not open study {studyInstanceUid}: {detail.message}</p>
        <Link to={worklistPath}>Back to the worklist</Link>
      </div>
    );
  }
  return <StudyViewer study={detail.value} readingOrder={readingOrder} key={studyInstanceUid} />;
}

function StudyViewer({ study, readingOrder }: { study: StudyDetail; readingOrder: readonly string[] | null }) {
  const client = useApi();
  const navigate = useNavigate();
  const [instanceId, setInstanceId] = useState<number | null>(study.firstInstanceId);
  const imageId = instanceId === null ? null : imageIdFor(instanceId);
  const { elementRef, session, view, status, reset, toggleInvert } = useStackViewport(client, imageId);
  const image = status.state === 'ready' ? status.image : null;
  const shownImageId = status.state === 'ready' ? status.imageId : null;

  const [options, setOptions] = useState<OverlayOptions>(defaultOverlayOptions);
  const { loading: triageLoading, triage, listError, overlay: overlayState, reload } = useImageTriage(study.studyInstanceUid, instanceId);
  const overlay = overlayState?.state === 'ok' && overlayState.value.instanceId === instanceId ? overlayState.value : null;
  const editing = useMaskEditing(session, shownImageId, overlay);
  const brush = useBrushSize(session, image);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  useOverlayLayer(canvasRef, session, shownImageId ? overlay : null, editing.mask, options);
  const maskPixels = useMemo(() => (editing.mask ? maskArea(editing.mask) : 0), [editing.mask]);

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
  const decide = (decision: 'confirmed' | 'rejected') => void saveReview({ decision });
  const available = overlay !== null && shownImageId !== null;
  const can = reviewAbilities({ available, busy: review.busy, edited: editing.edited, canUndo: editing.canUndo, canRedo: editing.canRedo });
  const overlayProblem = overlayState?.state === 'error' ? `The overlay could not be loaded: ${overlayState.message}` : null;

  const leaveGuard = useLeaveGuard(editing.edited);
  const selectInstance = (id: number) => {
    if (id !== instanceId) leaveGuard.guard(() => setInstanceId(id));
  };
  const neighbours = readingOrder ? neighboursIn(readingOrder, study.studyInstanceUid) : null;
  const { previous = null, next = null } = neighbours ?? {};
  const openStudy = (uid: string) => navigate(viewerPath(uid), { state: viewerState(readingOrder ?? []) });
  const applyPreset = (preset: WindowPreset) => image && session?.setWindow(presetWindow(preset, image.window, image.invert));
  const [helpOpen, setHelpOpen] = useState(false);
  const imageReady = status.state === 'ready';
  const toggle = (key: 'heatmap' | 'contour' | 'sideBySide') => setOptions((now) => ({ ...now, [key]: !now[key] }));
  const chooseTool = (tool: PrimaryTool) => () => editing.chooseTool(tool);

  useShortcuts(
    {
      'next-study': next ? () => openStudy(next) : undefined,
      'previous-study': previous ? () => openStudy(previous) : undefined,
      'window-lung': imageReady ? () => applyPreset('lung') : undefined,
      'window-mediastinum': imageReady ? () => applyPreset('mediastinum') : undefined,
      'window-bone': imageReady ? () => applyPreset('bone') : undefined,
      'window-file': imageReady ? () => applyPreset('file') : undefined,
      invert: imageReady ? toggleInvert : undefined,
      reset: imageReady ? reset : undefined,
      heatmap: available ? () => toggle('heatmap') : undefined,
      contour: available ? () => toggle('contour') : undefined,
      'side-by-side': () => toggle('sideBySide'),
      confirm: can.decide ? () => decide('confirmed') : undefined,
      reject: can.decide ? () => decide('rejected') : undefined,
      brush: can.edit ? chooseTool('brush') : undefined,
      eraser: can.edit ? chooseTool('eraser') : undefined,
      'window-level': can.edit ? chooseTool('window-level') : undefined,
      'brush-smaller': can.edit ? () => brush.stepBy(-1) : undefined,
      'brush-larger': can.edit ? () => brush.stepBy(1) : undefined,
      undo: can.undo ? editing.undo : undefined,
      redo: can.redo ? editing.redo : undefined,
      help: () => setHelpOpen(true),
    },
    !helpOpen && !leaveGuard.asking,
  );

  return (
    <div className="viewer" data-testid="viewer" data-study-uid={study.studyInstanceUid}>
      <aside className="viewer__side viewer__side--left">
        <StudyNavigation neighbours={neighbours} onOpen={openStudy} />
        <header className="study-header">
          <h1 className="study-header__patient">{formatPersonName(study.patientName)}</h1>
          <p className="muted">
            {formatText(study.patientId)} · {formatDicomDate(study.studyDate)} · {formatText(study.modality)}
          </p>
          {study.studyDescription && <p>{study.studyDescription}</p>}
        </header>
        <SeriesList series={study.series} selectedId={instanceId} onSelect={selectInstance} />
      </aside>
      <section className="viewer__center">
        <ViewportToolbar view={view} disabled={!imageReady} onReset={reset} onInvert={toggleInvert} onPreset={applyPreset} onHelp={() => setHelpOpen(true)} />
        <OverlayControls options={options} onChange={setOptions} rule={triage?.rule ?? null} available={available} />
        <ReviewControls editing={editing} can={can} brush={brush} onDecide={decide} onSave={saveMask} />
        {review.problem && (
          <p className="viewer__problem" role="alert" data-testid="review-error">
            {review.problem}
          </p>
        )}
        <div className={`viewport-row${options.sideBySide ? ' viewport-row--split' : ''}`} data-testid="viewport-row" data-layout={options.sideBySide ? 'side-by-side' : 'single'}>
          {options.sideBySide && <ReferenceViewport client={client} imageId={imageId} main={session} mainStatus={status} />}
          <div className="viewport-frame">
            <ViewportElement elementRef={elementRef} testId="viewport" label="Image with mask" status={status} tool={editing.tool} />
            <canvas
              ref={canvasRef}
              className="viewport-overlay-canvas"
              data-testid="overlay-canvas"
              data-heatmap={available && options.heatmap ? 'on' : 'off'}
              data-contour={available && options.contour ? 'on' : 'off'}
              data-opacity={options.opacity}
              data-mask-pixels={maskPixels}
              aria-hidden="true"
            />
            {options.sideBySide && <span className="viewport-label">Image with mask</span>}
            <ViewportMessage status={status} />
          </div>
        </div>
      </section>
      <aside className="viewer__side viewer__side--right">
        {triageLoading ? <FindingLoading /> : <FindingSummary triage={triage} problem={overlayProblem ?? listError} />}
        <AuditPanel sopInstanceUid={triage?.sopInstanceUid ?? image?.info.sopInstanceUid ?? null} revision={review.revision} />
        <MetadataPanel image={image} view={view} />
      </aside>
      <ShortcutHelp open={helpOpen} onClose={() => setHelpOpen(false)} />
      <LeaveDialog open={leaveGuard.asking} onStay={leaveGuard.stay} onLeave={leaveGuard.leave} />
    </div>
  );
}

/** The finding's place while the study's verdicts are on their way: nothing is claimed about the image yet. */
function FindingLoading() {
  return (
    <section className="finding-summary" data-testid="finding-summary" data-state="loading" aria-label="Finding" aria-busy="true">
      <h2>Finding</h2>
      <p className="muted" data-testid="finding-loading">
        Loading the triage result…
      </p>
    </section>
  );
}

type ViewportElementProps = { elementRef: RefObject<HTMLDivElement | null>; testId: string; label: string; status: ViewportStatus; tool?: PrimaryTool };

/** The element Cornerstone renders into (in the tab order); its data attributes say what it shows (for tests and styling). */
function ViewportElement({ elementRef, testId, label, status, tool }: ViewportElementProps) {
  return (
    <div
      ref={elementRef}
      className="viewport"
      role="img"
      aria-label={label}
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
  if (status.state === 'loading') return <p className="viewport-overlay" data-testid="viewport-loading">Decoding the image…</p>;
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
      <ViewportElement elementRef={elementRef} testId="viewport-reference" label="Image" status={status} />
      <span className="viewport-label">Image</span>
      <ViewportMessage status={status} />
    </div>
  );
}

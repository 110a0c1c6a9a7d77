// One study: its series and instances on the left, the image in the middle, its tags on the right.
import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import type { StudyDetail } from '../../../main/api/contract';
import { useApi, useApiQuery } from '../../app/api-context';
import { formatDicomDate, formatPersonName, formatText } from '../../app/format';
import { imageIdFor } from '../../viewer/image-id';
import { useStackViewport } from '../../viewer/use-stack-viewport';
import { worklistPath } from '../paths';
import { MetadataPanel } from './MetadataPanel';
import { SeriesList } from './SeriesList';
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
  const { elementRef, view, status, reset, toggleInvert } = useStackViewport(client, imageId);
  const image = status.state === 'ready' ? status.image : null;

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
        <div className="viewport-frame">
          <div
            ref={elementRef}
            className="viewport"
            data-testid="viewport"
            data-state={status.state}
            data-image-id={status.state === 'idle' ? '' : status.imageId}
            onContextMenu={(event) => event.preventDefault()}
          />
          {status.state === 'idle' && <p className="viewport-overlay">This study has no image that can be shown.</p>}
          {status.state === 'loading' && <p className="viewport-overlay">Decoding…</p>}
          {status.state === 'error' && (
            <p className="viewport-overlay viewport-overlay--error" role="alert" data-testid="viewport-error">
              {status.message}
            </p>
          )}
        </div>
      </section>
      <aside className="viewer__side viewer__side--right">
        <MetadataPanel image={image} view={view} />
      </aside>
    </div>
  );
}

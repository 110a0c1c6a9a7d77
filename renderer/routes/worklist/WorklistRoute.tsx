import { useCallback, useEffect, useState } from 'react';
import { useApi, useApiQuery } from '../../app/api-context';
import { FileErrorList } from './FileErrorList';
import { OpenFolder } from './OpenFolder';
import { ScanStatus } from './ScanStatus';
import { useScan } from './use-scan';
import { WorklistTable } from './WorklistTable';

export function WorklistRoute() {
  const client = useApi();
  // Bumped after every scan, ours or another window's, so the lists below reload.
  const [revision, setRevision] = useState(0);
  const reload = useCallback(() => setRevision((value) => value + 1), []);
  useEffect(() => client.on('scan.done', reload), [client, reload]);

  const info = useApiQuery('app.info', {});
  const worklist = useApiQuery('studies.worklist', {}, revision);
  const fileErrors = useApiQuery('studies.fileErrors', {}, revision);
  const { scan, start, cancel } = useScan(reload);

  return (
    <div className="worklist-route">
      <div className="toolbar">
        {info.state === 'ok' && <OpenFolder info={info.value} busy={scan.state === 'running'} onScan={start} />}
        {info.state === 'error' && <p role="alert">Cannot reach Pleura's services: {info.message}</p>}
      </div>
      <ScanStatus scan={scan} onCancel={cancel} />
      {worklist.state === 'loading' && <p className="muted">Loading the worklist…</p>}
      {worklist.state === 'error' && <p role="alert">Could not load the worklist: {worklist.message}</p>}
      {worklist.state === 'ok' && <WorklistTable rows={worklist.value} />}
      {fileErrors.state === 'ok' && <FileErrorList errors={fileErrors.value} />}
      {fileErrors.state === 'error' && <p role="alert">Could not load the file errors: {fileErrors.message}</p>}
    </div>
  );
}

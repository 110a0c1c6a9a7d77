// What the operations log records of each service event and export, and that the services wire it: a real scan and
// export through createServices leave their lines in <dataDir>/logs/pleura.log without a patient's name or ID.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, type ScanSummary, type TrainingRun, type TriageJob } from '../../../main/api/contract';
import { EventHub } from '../../../main/api/events';
import { createServices } from '../../../main/services/create-services';
import { logEvents, logExports } from '../../../main/services/log-operations';
import { createOperationLog, logFilePath } from '../../../main/services/operation-log';
import { writeSyntheticDicom } from '../../fixtures/synthetic-dicom';

function capture() {
  const lines: string[] = [];
  const log = createOperationLog({ file: (line) => lines.push(line.replace(/^\S+ /, '')) });
  return { lines, log };
}

const summary: ScanSummary = {
  scanId: 's1', root: '/studies', filesSeen: 5, filesRead: 4, unchanged: 1, added: 3, updated: 1, removed: 0, errors: 1, skipped: 2, studies: 2, durationMs: 120, cancelled: false,
};
const job: TriageJob = {
  jobId: 'j1', state: 'finished', startedAt: '', total: 10, done: 10, failed: 2, studies: [{ studyInstanceUid: '1.2.3', done: 10, total: 10 }], models: ['demo@1', 'other@2'],
  engine: 'onnx (cpu)', error: null, msPerImage: 123.456,
};
const run: TrainingRun = {
  runId: 'r1', request: { data: { kind: 'reviewed' }, plan: 'quick', start: 'current-model', epochs: 2 }, state: 'failed', startedAt: '', progress: null, history: [],
  error: 'out of memory', candidate: null, startedFrom: 'demo@1', size: 256, comparison: null, end: { kind: 'failed', text: 'Failed: out of memory' }, resumable: true,
};

describe('logEvents', () => {
  it('records each finished scan, triage job and training run on one line, and nothing of progress', () => {
    const { lines, log } = capture();
    const hub = new EventHub();
    const stop = logEvents(hub, log);
    hub.emit('scan.progress', { scanId: 's1', root: '/studies', phase: 'reading', filesSeen: 1, filesDone: 0, errors: 0, currentPath: '/studies/a.dcm' });
    hub.emit('scan.done', summary);
    hub.emit('triage.progress', job);
    hub.emit('triage.done', job);
    hub.emit('training.done', run);
    hub.emit('worklist.changed', { studyInstanceUids: ['1.2.3'] });
    stop();
    hub.emit('scan.done', summary);
    expect(lines).toEqual([
      'scan id=s1 root=/studies files=5 read=4 unchanged=1 added=3 updated=1 removed=0 errors=1 skipped=2 studies=2 ms=120 cancelled=false\n',
      'triage job=j1 state=finished images=10 done=10 failed=2 models=demo@1,other@2 engine="onnx (cpu)" msPerImage=123.5 error=null\n',
      'training run=r1 state=failed plan=quick start=current-model from=demo@1 size=256 epochs=2 data=reviewed candidate=null end=failed error="out of memory"\n',
    ]);
  });
});

describe('logExports', () => {
  const result = { folder: '/out', files: [{ kind: 'report' as const, path: '/out/report.html', sopInstanceUid: null }], errors: [{ sopInstanceUid: '1.2', message: 'no mask' }] };

  it('records each export and audit export with its folder and counts, or why it was refused, and passes results and errors on', async () => {
    const { lines, log } = capture();
    const refusal = new ApiError('invalid-argument', 'the folder is a scanned one');
    let refuse = false;
    const handlers = logExports(
      {
        'exports.run': async () => {
          if (refuse) throw refusal;
          return result;
        },
        'audit.export': async () => ({ path: '/out/audit.csv', entries: 7 }),
      },
      log,
    );
    expect(await handlers['exports.run']({ folder: '/out', kinds: ['report', 'seg'] })).toBe(result);
    expect(await handlers['audit.export']({ folder: '/out' })).toEqual({ path: '/out/audit.csv', entries: 7 });
    refuse = true;
    await expect(handlers['exports.run']({ folder: '/studies', kinds: ['seg'] })).rejects.toBe(refusal);
    expect(lines.map((line) => line.replace(/ ms=\d+/, ''))).toEqual([
      'export folder=/out kinds=report,seg files=1 errors=1\n',
      'audit-export path=/out/audit.csv entries=7\n',
      'export.failed folder=/studies kinds=seg code=invalid-argument message="the folder is a scanned one"\n',
    ]);
  });
});

describe('the services', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('log scans, exports and refused exports to the data directory, never a patient name or ID', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pleura-log-services-'));
    const folder = path.join(dir, 'studies');
    mkdirSync(folder);
    await writeSyntheticDicom(path.join(folder, 'a.dcm'), { patientId: 'PID-SECRET-7', patientName: 'Secret^Person', studyUid: '1.2.826.0.1.7', seriesUid: '1.2.826.0.1.7.1', sopUid: '1.2.826.0.1.7.1.1' });
    const dataDir = path.join(dir, 'data');
    const services = createServices({ dataDir, shell: 'browser', version: 'test' });
    try {
      await services.handlers['studies.scan']({ path: folder });
      await services.handlers['audit.export']({ folder: path.join(dir, 'out') });
      await expect(services.handlers['exports.run']({ folder: path.join(dir, 'out'), kinds: ['report'] })).rejects.toThrow(/nothing to export/);
    } finally {
      await services.close();
    }
    const text = readFileSync(logFilePath(dataDir), 'utf8');
    expect(text).toMatch(new RegExp(`^\\S+ scan id=\\S+ root=${folder} files=1 .* studies=1 `, 'm'));
    expect(text).toMatch(/^\S+ audit-export path=\S+\.csv entries=\d+ ms=\d+$/m);
    expect(text).toMatch(/^\S+ export\.failed folder=\S+out kinds=report code=invalid-argument message="nothing to export: .*"$/m);
    expect(text).not.toMatch(/SECRET|Secret/);
  });
});

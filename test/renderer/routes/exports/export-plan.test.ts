import { describe, expect, it } from 'vitest';
import type { ExportResult } from '../../../../main/api/contract';
import { exportKinds, exportsStateOf, exportSummary, folderProblem, worklistExport } from '../../../../renderer/routes/exports/export-plan';

describe('the exports launcher', () => {
  it('offers every export kind once, each with its own control', () => {
    expect(exportKinds.map((k) => k.kind).sort()).toEqual(['report', 'secondary-capture', 'seg', 'submission-csv']);
    expect(new Set(exportKinds.map((k) => k.testId)).size).toBe(4);
  });

  it('asks for an absolute destination folder', () => {
    expect(folderProblem('/home/me/exports')).toBeNull();
    expect(folderProblem('C:\\Users\\me\\exports')).toBeNull();
    expect(folderProblem('\\\\server\\share')).toBeNull();
    expect(folderProblem('  ')).toBe('Choose a destination folder.');
    expect(folderProblem('exports')).toBe('"exports" is not an absolute path.');
  });

  it('summarises what was written, by kind, and how many items failed', () => {
    const result: ExportResult = {
      folder: '/out',
      files: [
        { kind: 'submission-csv', path: '/out/submission.csv', sopInstanceUid: null },
        { kind: 'seg', path: '/out/a.seg.dcm', sopInstanceUid: '1.2' },
        { kind: 'seg', path: '/out/b.seg.dcm', sopInstanceUid: '1.3' },
      ],
      errors: [{ sopInstanceUid: '1.4', message: 'no mask' }],
    };
    expect(exportSummary(result)).toBe('Wrote 2 DICOM SEG, 1 SIIM CSV into /out; 1 item could not be exported.');
    expect(exportSummary({ folder: '/out', files: [], errors: [] })).toBe('Nothing was written into /out.');
  });

  it('exports the worklist\'s selection first, else what its filter shows, else every triaged study', () => {
    const shown = ['1.1', '1.2', '1.3'];
    expect(worklistExport(['1.2'], shown, true)).toEqual({ label: 'Export 1 selected', state: { studyInstanceUids: ['1.2'], scope: 'the 1 selected study' } });
    expect(worklistExport(['1.2', '9.9'], shown, false).state?.scope).toBe('the 2 selected studies');
    expect(worklistExport([], shown, true)).toEqual({
      label: 'Export 3 shown',
      state: { studyInstanceUids: shown, scope: "the 3 studies the worklist's filter shows" },
    });
    expect(worklistExport([], shown, false)).toEqual({ label: 'Export all', state: null });
  });

  it('reads the worklist\'s choice from the route state, and nothing else', () => {
    const state = { studyInstanceUids: ['1.2'], scope: 'the 1 selected study' };
    expect(exportsStateOf(state)).toEqual(state);
    expect(exportsStateOf(null)).toBeNull();
    expect(exportsStateOf({ studyInstanceUids: '1.2', scope: 'x' })).toBeNull();
    expect(exportsStateOf({ studyInstanceUids: ['1.2'] })).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import type { ExportResult } from '../../../../main/api/contract';
import { exportKinds, exportSummary, folderProblem, studiesFromQuery } from '../../../../renderer/routes/exports/export-plan';
import { exportsLink } from '../../../../renderer/routes/paths';

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

  it('carries chosen studies from a link to the run, and none means every triaged study', () => {
    const link = exportsLink(['1.2.3', '4.5.6']);
    expect(link).toBe('/exports?studies=1.2.3%2C4.5.6');
    expect(studiesFromQuery(link.slice(link.indexOf('?')))).toEqual(['1.2.3', '4.5.6']);
    expect(exportsLink()).toBe('/exports');
    expect(studiesFromQuery('')).toBeUndefined();
    expect(studiesFromQuery('?studies=,')).toBeUndefined();
  });
});

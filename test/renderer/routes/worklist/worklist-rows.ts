// Worklist rows for the worklist tests: a study with the given triage summary (null: never triaged).
import type { StudyTriage, WorklistRow } from '../../../../main/api/contract';
import { worklistRow } from '../../../fixtures/api/test-services';

export function studyRow(uid: string, triage: Partial<StudyTriage> | null, row: Partial<WorklistRow> = {}): WorklistRow {
  return {
    ...worklistRow,
    studyInstanceUid: uid,
    patientId: `ID-${uid}`,
    patientName: `Patient^${uid}`,
    accessionNumber: `ACC-${uid}`,
    triage: triage && { state: 'triaged', flag: null, score: null, areaCm2: null, side: null, counts: {}, reviewed: false, ...triage },
    ...row,
  };
}

// Worklist rows for the worklist tests: a study with the given triage summary (null: never triaged). Its words are
// the main side's for its flag unless given.
import type { StudyTriage, TriageFlag, WorklistRow } from '../../../../main/api/contract';
import { worklistRow } from '../../../fixtures/api/test-services';

const WORDS: Record<TriageFlag, string> = { positive: 'Suspected pneumothorax', 'not-flagged': 'Not flagged — peak 0.31 below 0.75', 'not-assessed': 'Not assessed — body part HIP' };

export function studyRow(uid: string, triage: Partial<StudyTriage> | null, row: Partial<WorklistRow> = {}): WorklistRow {
  const words = triage?.flag ? WORDS[triage.flag] : 'Not triaged';
  return {
    ...worklistRow,
    studyInstanceUid: uid,
    patientId: `ID-${uid}`,
    patientName: `Patient^${uid}`,
    accessionNumber: `ACC-${uid}`,
    triage: triage && {
      state: 'triaged',
      flag: null,
      flagSource: triage.flag ? 'model' : null,
      words,
      score: null,
      maxProbability: null,
      areaCm2: null,
      side: null,
      demonstrationModel: false,
      counts: {},
      reviewed: false,
      ...triage,
    },
    ...row,
  };
}

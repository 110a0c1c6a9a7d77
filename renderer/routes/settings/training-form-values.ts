// The training form's values, and the request they make. They are kept for this window (module state), so a user
// who looks at the worklist and comes back finds the form as they left it.
import type { SemiSupervisedMethod, TrainingData, TrainingPlanName, TrainingRequest, TrainingStart } from '../../../main/api/contract';

export const trainingSizes = [256, 512, 1024] as const;

export type TrainingFormValues = {
  kind: TrainingData['kind'];
  folder: string;
  labels: string;
  plan: TrainingPlanName;
  start: TrainingStart;
  /** from scratch only: a run from the current model keeps its size */
  size: (typeof trainingSizes)[number];
  epochs: number;
  /** also learn from the workstation's studies that have no reviewed mask (the main side picks them) */
  unlabelledStudies: boolean;
  semiMethod: SemiSupervisedMethod;
};

export const initialFormValues: TrainingFormValues = {
  kind: 'reviewed',
  folder: '',
  labels: '',
  plan: 'quick',
  start: 'current-model',
  size: 256,
  epochs: 2,
  unlabelledStudies: false,
  semiMethod: 'pseudo-labels',
};

let kept = initialFormValues;

export function keptFormValues(): TrainingFormValues {
  return kept;
}

export function keepFormValues(values: TrainingFormValues): void {
  kept = values;
}

/** Where a run starts: the choice made, except that with no current model there is only scratch. */
export function startOf(values: Pick<TrainingFormValues, 'start'>, hasCurrentModel: boolean): TrainingStart {
  return hasCurrentModel ? values.start : 'scratch';
}

/** The request the values make; null while the data is incomplete (a folder or the mask table not given). */
export function trainingRequest(values: TrainingFormValues, hasCurrentModel: boolean): TrainingRequest | null {
  const folder = values.folder.trim();
  const labels = values.labels.trim();
  const data: TrainingData | null =
    values.kind === 'reviewed'
      ? { kind: 'reviewed' }
      : values.kind === 'png-pairs'
        ? folder ? { kind: 'png-pairs', folder } : null
        : folder && labels ? { kind: 'dicom-folder', folder, labels } : null;
  if (!data) return null;
  const start = startOf(values, hasCurrentModel);
  return {
    data,
    plan: values.plan,
    start,
    epochs: values.epochs,
    ...(start === 'scratch' && { size: values.size }),
    ...(values.unlabelledStudies && { semi: { method: values.semiMethod, unlabelled: { kind: 'local-studies' as const } } }),
  };
}

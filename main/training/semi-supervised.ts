// Learning from unlabelled studies in a training run (science.md, "Semi-supervised"). The 5th place's mean teacher
// adds itself to every stage of the plan and trains on the unlabelled images beside the labelled ones. The 3rd
// place's pseudo-labels come from a teacher model: the run's --init model (the current model, when the settings
// panel starts from it) or, when there is none, a first training on the labelled images alone, kept in
// MODELDIR/teacher/ (a resumed run reuses it, or resumes it if it was interrupted); its confident predictions join
// the training split, never the validation fold.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { SemiSupervised } from '../api/contract';
import { CARD_FILE, cardRule, modelRef } from '../../ml/io/model-card';
import { loadModel } from '../../ml/io/model-store';
import type { ModelDefinition } from '../../ml/models';
import type { TrainingItem, UnlabelledItem } from '../../ml/train/dataset';
import { chooseTrainingEngine } from '../../ml/train/loop/backend';
import type { Plan } from '../../ml/train/plans';
import { MEAN_TEACHER_DEFAULTS } from '../../ml/train/semi/mean-teacher';
import { pseudoLabel, PSEUDO_LABEL_CONFIDENCE } from '../../ml/train/semi/pseudo-labels';
import { loadUnlabelled } from './data/unlabelled';
import type { TrainingConfig, TrainingHooks, TrainingResult } from './run-training';

export const TEACHER_FOLDER = 'teacher';

/** What the model card records of it. */
export type SemiSupervisedRecord = {
  method: SemiSupervised['method'];
  source: string;
  unlabelled: number;
  skipped: number;
  /** the first few files left out, with why */
  skippedExamples: { path: string; reason: string }[];
  meanTeacher?: typeof MEAN_TEACHER_DEFAULTS;
  pseudoLabels?: {
    teacher: string;
    kept: { positives: number; negatives: number };
    confident: { positives: number; negatives: number };
    cap: number;
    confidence: typeof PSEUDO_LABEL_CONFIDENCE;
  };
};

export type SemiSupervisedData = { plan: Plan; train: TrainingItem[]; unlabelled: UnlabelledItem[]; record: SemiSupervisedRecord };

type Run = (config: TrainingConfig, hooks: TrainingHooks) => Promise<TrainingResult>;

export async function prepareSemiSupervised(
  semi: SemiSupervised,
  context: { config: TrainingConfig; out: string; plan: Plan; definition: ModelDefinition; train: TrainingItem[]; hooks: TrainingHooks; runTraining: Run },
): Promise<SemiSupervisedData> {
  const { config, plan, train } = context;
  const set = await loadUnlabelled(semi.unlabelled, config.size, config.dataDir);
  if (set.items.length === 0) {
    const why = set.skipped.length > 0 ? `; ${set.skipped.length} left out, e.g. ${set.skipped[0].path}: ${set.skipped[0].reason}` : '';
    throw new Error(`no unlabelled frontal chest radiographs in ${set.source}${why}`);
  }
  const base = { method: semi.method, source: set.source, unlabelled: set.items.length, skipped: set.skipped.length, skippedExamples: set.skipped.slice(0, 5) };
  if (semi.method === 'mean-teacher') {
    const stages = plan.stages.map((stage) => ({ ...stage, meanTeacher: { ...MEAN_TEACHER_DEFAULTS, batchSize: config.batchSize ?? stage.batchSize } }));
    return { plan: { ...plan, stages }, train, unlabelled: set.items, record: { ...base, meanTeacher: stages[0].meanTeacher } };
  }
  const teacher = await teacherModel(context);
  const engine = await chooseTrainingEngine({ backend: config.backend, definition: teacher.definition, weights: teacher.weights, size: config.size });
  try {
    const confidence = { rule: cardRule(teacher.card), ...PSEUDO_LABEL_CONFIDENCE };
    const { items, selection } = await pseudoLabel(engine, set.items, train.length, confidence);
    const positives = items.filter((item) => item.positive).length;
    return {
      plan,
      train: [...train, ...items],
      unlabelled: [],
      record: {
        ...base,
        pseudoLabels: { teacher: teacher.description, kept: { positives, negatives: items.length - positives }, confident: selection.confident, cap: selection.cap, confidence: PSEUDO_LABEL_CONFIDENCE },
      },
    };
  } finally {
    await engine.dispose();
  }
}

async function teacherModel(context: Parameters<typeof prepareSemiSupervised>[1]) {
  const { config, out, hooks } = context;
  if (config.init) {
    const loaded = await loadModel(config.init);
    return { ...loaded, description: `the starting model ${modelRef(loaded.card)}` };
  }
  const dir = path.join(out, TEACHER_FOLDER);
  if (!existsSync(path.join(dir, CARD_FILE))) {
    const resume = config.resume && existsSync(path.join(dir, 'checkpoints'));
    await context.runTraining({ ...config, semi: undefined, out: dir, resume, id: `${config.id ?? config.arch}-teacher`, notes: undefined }, hooks);
  }
  const loaded = await loadModel(dir);
  return { ...loaded, description: `a first training on the labelled images alone (${TEACHER_FOLDER}/, ${modelRef(loaded.card)})` };
}

// What a stacking meta-model is fitted on: each classifier's P(non-empty) on each labelled image, through the same
// inference pipeline (preprocessing, engine, flip TTA) as triage, so the meta-model sees what it will see there.
import { inferRadiograph, type TtaMode } from '../../ml/infer';
import type { Radiograph } from '../../ml/preprocess';
import type { EngineName } from '../../ml/runtime/engine';
import { disposeEnsemble, inferenceModels, loadEnsemble, ModelLoadError } from './load-ensemble';

/** `[image][classifier]`: every classifier's P(non-empty) on every image, in the order given. */
export async function classifierProbabilities(dirs: readonly string[], images: readonly Radiograph[], options: { engine: EngineName; tta: TtaMode }): Promise<number[][]> {
  const members = await loadEnsemble(dirs, { engine: options.engine });
  try {
    const models = inferenceModels(members, null);
    members.forEach((member) => {
      if (!member.engine.loaded.hasClassifier) throw new ModelLoadError(member.dir, new Error(`${member.engine.loaded.arch} has no classification head, so it cannot be a classifier`));
    });
    const rows: number[][] = [];
    for (const image of images) {
      const row: number[] = [];
      for (const model of models) row.push((await inferRadiograph(image, [model], { tta: options.tta })).classifierProbability!);
      rows.push(row);
    }
    return rows;
  } finally {
    await disposeEnsemble(members);
  }
}
